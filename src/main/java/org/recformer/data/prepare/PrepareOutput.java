package org.recformer.data.prepare;

import org.recformer.data.Dataset;
import org.recformer.data.PretrainCorpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The rules for a {@code prepare} output folder, checked before any input is read: it must not be
 * a file, must not already hold a dataset or corpus unless the user asked to overwrite it, and
 * none of the files a preparation writes may be one of its inputs (not even with overwrite).
 */
public final class PrepareOutput {

    /** Every file name a preparation writes into its output folder. */
    static final List<String> WRITTEN_FILES = List.of(Dataset.TRAIN_FILE, Dataset.VALIDATION_FILE, Dataset.TEST_FILE,
            Dataset.USER_MAP_FILE, Dataset.ITEM_MAP_FILE, Dataset.METADATA_FILE, PretrainCorpus.DEV_FILE,
            DatasetWriter.STATS_FILE);

    private PrepareOutput() {
    }

    /**
     * @param output    the output folder
     * @param overwrite whether existing dataset files may be replaced
     * @param inputs    the input files of the run
     */
    public static void check(Path output, boolean overwrite, List<Path> inputs) throws IOException {
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new PrepareInputException(output, "--output exists and is not a folder");
        }
        for (String name : WRITTEN_FILES) {
            Path target = output.resolve(name);
            if (!Files.exists(target)) continue;
            for (Path input : inputs) {
                if (Files.exists(input) && Files.isSameFile(input, target)) {
                    throw new PrepareInputException(target, "is an input of this run and would be written over;"
                            + " choose another --output");
                }
            }
            if (!overwrite) {
                throw new PrepareInputException(output, "already holds a dataset (" + name + "); choose another"
                        + " --output or pass --overwrite to replace its files");
            }
        }
    }
}
