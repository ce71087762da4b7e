package org.recformer.cli;

import org.recformer.data.prepare.AmazonPrepare;
import org.recformer.data.prepare.AmazonPretrainPrepare;
import org.recformer.data.prepare.CsvPrepare;
import org.recformer.data.prepare.PrepareInputException;
import org.recformer.data.prepare.PrepareOutput;
import org.recformer.data.prepare.PrepareReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code recformer prepare}: raw data into the Recformer dataset layout (docs/datasets.md).
 * Each subcommand prints a summary and writes it as stats.json; bad input gives one message
 * and exit status 2.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Turn raw interaction data into a Recformer dataset folder (see docs/datasets.md).",
        subcommands = {
                PrepareCommand.Amazon.class,
                PrepareCommand.AmazonPretrain.class,
                PrepareCommand.Csv.class,
        })
public final class PrepareCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs a preparation, prints its summary, and turns input problems into exit status 2. */
    abstract static class Job implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder to write (the dataset or corpus).")
        Path output;

        @Option(names = "--overwrite", description = "Replace the dataset files of an output folder that already holds a"
                + " dataset (input files are never written over).")
        boolean overwrite;

        abstract PrepareReport prepare() throws IOException;

        /** The input files (or folders) of the run. */
        abstract List<Path> inputs();

        @Override
        public Integer call() {
            try {
                PrepareOutput.check(output, overwrite, inputs());
                PrepareReport report = prepare();
                spec.commandLine().getOut().print(report.summary());
                spec.commandLine().getOut().flush();
                return 0;
            } catch (PrepareInputException e) {
                spec.commandLine().getErr().println("recformer prepare " + spec.name() + ": " + e.getMessage());
                return 2;
            } catch (IOException e) {
                spec.commandLine().getErr().println("recformer prepare " + spec.name() + ": I/O error: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "amazon", mixinStandardHelpOptions = true,
            description = "One category of the Amazon review data (2018): reviews + metadata -> dataset folder.")
    static final class Amazon extends Job {

        @Option(names = "--reviews", required = true, paramLabel = "FILE",
                description = "Review file, e.g. Industrial_and_Scientific_5.json.gz (gzip or plain JSON lines).")
        Path reviews;

        @Option(names = "--meta", required = true, paramLabel = "FILE",
                description = "Metadata file, e.g. meta_Industrial_and_Scientific.json.gz.")
        Path metadata;

        @Option(names = "--sample-fraction", defaultValue = "0.2", paramLabel = "F",
                description = "Share of the eligible users kept, in (0, 1] (default: ${DEFAULT-VALUE}, like the public code).")
        double sampleFraction;

        @Option(names = "--seed", defaultValue = "42", paramLabel = "S",
                description = "Seed of the user sample (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        PrepareReport prepare() throws IOException {
            return AmazonPrepare.run(new AmazonPrepare.Options(reviews, metadata, output, sampleFraction, seed));
        }

        @Override
        List<Path> inputs() {
            return List.of(reviews, metadata);
        }
    }

    @Command(name = "amazon-pretrain", mixinStandardHelpOptions = true,
            description = "The multi-category pretraining corpus (meta_data.json, train.json, dev.json) from a folder"
                    + " of raw Amazon 2018 files: <Category>_5.json.gz (or <Category>.json.gz) and meta_<Category>.json.gz.")
    static final class AmazonPretrain extends Job {

        @Option(names = "--input", required = true, paramLabel = "DIR", description = "Folder of raw files.")
        Path input;

        @Option(names = "--train-categories", split = ",", paramLabel = "CATEGORY",
                description = "Training categories (default: the paper's seven, Automotive,...,Movies_and_TV).")
        List<String> trainCategories = AmazonPretrainPrepare.DEFAULT_TRAIN_CATEGORIES;

        @Option(names = "--dev-category", paramLabel = "C",
                description = "Validation category (default: ${DEFAULT-VALUE}).",
                defaultValue = AmazonPretrainPrepare.DEFAULT_DEV_CATEGORY)
        String devCategory;

        @Override
        PrepareReport prepare() throws IOException {
            return AmazonPretrainPrepare.run(new AmazonPretrainPrepare.Options(input, output, trainCategories, devCategory));
        }

        @Override
        List<Path> inputs() {
            return List.of(input);
        }
    }

    @Command(name = "csv", mixinStandardHelpOptions = true,
            description = "Any interaction table + item table (CSV with a header, or JSON lines) -> dataset folder.")
    static final class Csv extends Job {

        @Option(names = "--interactions", required = true, paramLabel = "FILE",
                description = "Interaction table; a name containing .json means JSON lines, otherwise CSV with a header.")
        Path interactions;

        @Option(names = "--user-col", required = true, paramLabel = "C", description = "User id column.")
        String userColumn;

        @Option(names = "--item-col", required = true, paramLabel = "C", description = "Item id column.")
        String itemColumn;

        @Option(names = "--time-col", required = true, paramLabel = "C",
                description = "Time column (integers, e.g. Unix seconds; equal times keep file order).")
        String timeColumn;

        @Option(names = "--items", required = true, paramLabel = "FILE", description = "Item table (CSV or JSON lines).")
        Path items;

        @Option(names = "--item-id-col", required = true, paramLabel = "C", description = "Item id column of the item table.")
        String itemIdColumn;

        @Option(names = "--attributes", required = true, split = ",", paramLabel = "ATTR",
                description = "Item-table columns that become the item's attributes, in this order.")
        List<String> attributes;

        @Option(names = "--min-interactions", defaultValue = "4", paramLabel = "N",
                description = "Drop users with fewer interactions; at least 3 (default: ${DEFAULT-VALUE}, "
                        + "the Amazon rule 'more than 3').")
        int minInteractions;

        @Option(names = "--value-separator", paramLabel = "SEP",
                description = "Split attribute values at SEP and join the parts with single spaces (e.g. '|' for "
                        + "MovieLens genres).")
        String valueSeparator;

        @Override
        PrepareReport prepare() throws IOException {
            return CsvPrepare.run(new CsvPrepare.Options(interactions, userColumn, itemColumn, timeColumn, items,
                    itemIdColumn, attributes, minInteractions, valueSeparator, output));
        }

        @Override
        List<Path> inputs() {
            return List.of(interactions, items);
        }
    }
}
