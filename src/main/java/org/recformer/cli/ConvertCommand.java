package org.recformer.cli;

import org.recformer.convert.ConfigFiles;
import org.recformer.convert.Converted;
import org.recformer.convert.LongformerConversion;
import org.recformer.convert.ModelFolder;
import org.recformer.convert.PretrainedConversion;
import org.recformer.io.StateDict;
import org.recformer.io.StateDicts;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerRecipe;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code recformer convert}: the public code's checkpoint chores. {@code longformer} turns a
 * Longformer masked-LM checkpoint into a pretraining checkpoint; {@code pretrained} turns a
 * pretraining checkpoint into a {@code RecformerModel} or {@code RecformerForSeqRec} one. Output is
 * a model folder (config.json + model.safetensors), written atomically. Exit code 2 on unreadable or
 * mismatched input.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert checkpoints: a Longformer into a Recformer pretraining checkpoint, or a pretraining checkpoint "
                + "into a RecformerModel / RecformerForSeqRec one. Output: a folder with config.json and model.safetensors.",
        subcommands = {ConvertCommand.Longformer.class, ConvertCommand.Pretrained.class, EncoderConvertCommand.class})
public final class ConvertCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The Recformer fields a converter adds to an encoder's configuration. */
    static final class RecformerFields {
        @Option(names = "--max-item-embeddings", defaultValue = "" + RecformerRecipe.MAX_ITEM_EMBEDDINGS, description = "Rows of the item position table (default: ${DEFAULT-VALUE}).")
        int maxItemEmbeddings;
        @Option(names = "--max-attr-num", defaultValue = "" + RecformerRecipe.MAX_ATTR_NUM, description = "Attributes per item (default: ${DEFAULT-VALUE}).")
        int maxAttrNum;
        @Option(names = "--max-attr-length", defaultValue = "" + RecformerRecipe.MAX_ATTR_LENGTH, description = "Tokens per attribute (default: ${DEFAULT-VALUE}).")
        int maxAttrLength;
        @Option(names = "--attention-window", defaultValue = "" + RecformerRecipe.ATTENTION_WINDOW, description = "Attention window of every layer (default: ${DEFAULT-VALUE}).")
        int attentionWindow;
        @Option(names = "--token-type-size", defaultValue = "" + RecformerRecipe.TOKEN_TYPE_SIZE, description = "Rows of the token type table (default: ${DEFAULT-VALUE}).")
        int tokenTypeSize;
    }

    /** Options both subcommands take. */
    static class Io {
        @Option(names = "--input", required = true, paramLabel = "DIR_OR_FILE",
                description = "Checkpoint: a model folder (model.safetensors or pytorch_model.bin) or one file (.safetensors, torch.save zip, Lightning .ckpt).")
        Path input;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "New model folder (must not exist, or be empty).")
        Path output;

        @Option(names = "--config", paramLabel = "FILE_OR_DIR",
                description = "config.json of the input (default: the one in the input folder or beside the input file).")
        Path config;
    }

    @Command(name = "longformer", mixinStandardHelpOptions = true,
            description = "A Longformer masked-LM checkpoint (e.g. allenai/longformer-base-4096) into a RecformerForPretraining one, "
                    + "as save_longformer_ckpt.py: tensors copied by name, the one-row token type table repeated to token_type_size rows, "
                    + "item position table random (normal, std initializer_range).")
    static final class Longformer implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @CommandLine.Mixin
        Io io = new Io();

        @CommandLine.Mixin
        RecformerFields fields = new RecformerFields();
        @Option(names = "--max-token-num", defaultValue = "" + RecformerRecipe.MAX_TOKEN_NUM, description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int maxTokenNum;
        @Option(names = "--seed", defaultValue = "42", description = "Seed of the random initialization (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            return ConvertCommand.run(spec, () -> {
                RecformerConfig longformerConfig = ConfigFiles.read(io.input, io.config);
                int[] windows = new int[longformerConfig.numHiddenLayers()];
                Arrays.fill(windows, fields.attentionWindow);
                RecformerConfig config = longformerConfig
                        .with("architectures", List.of("RecformerForPretraining"))
                        .with("attention_window", windows)
                        .with("max_item_embeddings", fields.maxItemEmbeddings)
                        .with("max_attr_num", fields.maxAttrNum)
                        .with("max_attr_length", fields.maxAttrLength)
                        .with("max_token_num", maxTokenNum)
                        .with("token_type_size", fields.tokenTypeSize);
                return LongformerConversion.convert(StateDicts.read(io.input), config, seed);
            }, io.output);
        }
    }

    @Command(name = "pretrained", mixinStandardHelpOptions = true,
            description = "A pretraining checkpoint (RecformerForPretraining folder, Lightning .ckpt, or RecformerModel layout) into a "
                    + "RecformerModel or RecformerForSeqRec one, as convert_pretrain_ckpt.py: encoder tensors kept, LM head dropped.")
    static final class Pretrained implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @CommandLine.Mixin
        Io io = new Io();

        @Option(names = "--target", required = true, paramLabel = "model|seqrec",
                description = "model: RecformerModel (no name prefix); seqrec: RecformerForSeqRec (longformer.* names).")
        String target;

        @Option(names = "--word-embeddings-from", paramLabel = "DIR_OR_FILE",
                description = "Take the word embeddings from this checkpoint (the Longformer one, when pretraining froze them).")
        Path wordEmbeddingsFrom;

        @Override
        public Integer call() {
            return ConvertCommand.run(spec, () -> {
                PretrainedConversion.Target t = switch (target) {
                    case "model" -> PretrainedConversion.Target.MODEL;
                    case "seqrec" -> PretrainedConversion.Target.SEQREC;
                    default -> throw new IllegalArgumentException("--target must be 'model' or 'seqrec', got '" + target + "'");
                };
                RecformerConfig config = ConfigFiles.read(io.input, io.config);
                StateDict words = wordEmbeddingsFrom == null ? null : StateDicts.read(wordEmbeddingsFrom);
                return PretrainedConversion.convert(StateDicts.read(io.input), words, config, t);
            }, io.output);
        }
    }

    /** A conversion that may fail on its input. */
    interface Conversion {
        Converted convert() throws IOException;
    }

    /** Runs a conversion, writes the folder, prints the report; input errors print one line and give exit code 2. */
    private static int run(CommandSpec spec, Conversion conversion, Path output) {
        return run(spec, conversion, output, folder -> { });
    }

    /** As above; {@code extra} adds files (a tokenizer) to the output folder. */
    static int run(CommandSpec spec, Conversion conversion, Path output, ModelFolder.ExtraFiles extra) {
        PrintWriter out = spec.commandLine().getOut();
        try {
            Converted converted = conversion.convert();
            ModelFolder.write(output, converted.config(), converted.stateDict(), extra);
            out.print(converted.report().summary());
            out.println("wrote " + output.resolve(ModelFolder.CONFIG_NAME) + " and " + output.resolve(StateDicts.SAFETENSORS_NAME));
            out.flush();
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": " + message(e));
            spec.commandLine().getErr().flush();
            return 2;
        }
    }

    /** The exception's message; for the JDK's file exceptions (whose message may be just the path) also the reason. */
    private static String message(Exception e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : e.getClass().getSimpleName().replace("Exception", ""));
        }
        return e.getMessage();
    }
}
