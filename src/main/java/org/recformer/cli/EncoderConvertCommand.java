package org.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.recformer.convert.EncoderConversion;
import org.recformer.convert.ModelFolder;
import org.recformer.convert.OnnxModel;
import org.recformer.convert.OnnxWeights;
import org.recformer.io.StateDict;
import org.recformer.io.StateDicts;
import org.recformer.tokenizer.Tokenizer;
import org.recformer.tokenizer.WordPieceFiles;
import org.recformer.train.Checkpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code recformer convert encoder}: a pretrained BERT- or RoBERTa-family encoder (an ONNX export, or
 * a HuggingFace folder / file of safetensors or pytorch_model.bin) into a Recformer pretraining model
 * folder with its tokenizer beside it ({@link EncoderConversion}). Nothing is downloaded: the user
 * gives the files.
 */
@Command(name = "encoder", mixinStandardHelpOptions = true,
        description = "A pretrained BERT- or RoBERTa-family encoder (.onnx, or a HuggingFace folder / .safetensors / .bin) into a "
                + "RecformerForPretraining model folder with its tokenizer: global projections copied from the local ones, position "
                + "table moved to Recformer's position ids and extended, token-type rows from the source's type 0, item-position "
                + "table zero.")
final class EncoderConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE_OR_DIR",
            description = "The encoder: an .onnx file, a HuggingFace model folder (config.json + model.safetensors or pytorch_model.bin), "
                    + "or one weights file with a config.json beside it.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "New model folder (must not exist, or be empty).")
    Path output;

    @Option(names = "--tokenizer", paramLabel = "FILE_OR_DIR",
            description = "The encoder's tokenizer: a tokenizer.json (WordPiece), or a folder with vocab.txt (BERT) or vocab.json + "
                    + "merges.txt (RoBERTa). Default: the input folder, or the folder of the input file (tokenizer.json, vocab.txt, "
                    + "or NAME-tokenizer.json beside NAME.onnx).")
    Path tokenizer;

    @Option(names = "--family", paramLabel = "bert|roberta",
            description = "Position-id convention of the encoder. Default: config.json's model_type; bert for an .onnx file without one.")
    String family;

    @Option(names = "--heads", description = "Attention heads (default: config.json's num_attention_heads; required for an .onnx file without one).")
    Integer heads;

    @Option(names = "--layer-norm-eps", description = "LayerNorm epsilon (default: config.json's layer_norm_eps, else 1e-12 for bert, 1e-5 for roberta).")
    Double layerNormEps;

    @Option(names = "--max-token-num", defaultValue = "512", description = "Tokens per user sequence (default: ${DEFAULT-VALUE}).")
    int maxTokenNum;
    @CommandLine.Mixin
    ConvertCommand.RecformerFields fields = new ConvertCommand.RecformerFields();
    @Option(names = "--pooler", defaultValue = "cls", paramLabel = "cls|avg",
            description = "Sequence vector: cls (first token) or avg (mean of the tokens, as sentence-transformers models were trained; "
                    + "default: ${DEFAULT-VALUE}).")
    String pooler;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random initialization of what the source lacks (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        boolean onnx = Files.isRegularFile(input) && input.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
        Path folder = Files.isDirectory(input) ? input : input.toAbsolutePath().getParent();
        JsonNode hfConfig;
        try {
            Path configFile = folder.resolve(ModelFolder.CONFIG_NAME);
            hfConfig = Files.isRegularFile(configFile) ? new ObjectMapper().readTree(configFile.toFile()) : null;
        } catch (IOException e) {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": " + folder.resolve(ModelFolder.CONFIG_NAME) + ": not valid JSON: " + e.getMessage());
            return 2;
        }
        EncoderConversion.Family fam;
        try {
            fam = family(hfConfig, onnx);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": " + e.getMessage());
            return 2;
        }
        Path tokenizerSource = tokenizer != null ? tokenizer : defaultTokenizer(folder);
        Tokenizer[] tok = new Tokenizer[1];
        WordPieceFiles.Vocabulary[] wordPiece = new WordPieceFiles.Vocabulary[1];
        return ConvertCommand.run(spec, () -> {
            if (!pooler.equals("cls") && !pooler.equals("avg")) throw new IllegalArgumentException("--pooler must be 'cls' or 'avg', got '" + pooler + "'");
            int headCount = heads != null ? heads : intField(hfConfig, "num_attention_heads", onnx);
            double eps = layerNormEps != null ? layerNormEps
                    : hfConfig != null && hfConfig.has("layer_norm_eps") ? hfConfig.get("layer_norm_eps").asDouble()
                    : fam == EncoderConversion.Family.BERT ? 1e-12 : 1e-5;
            if (fam == EncoderConversion.Family.BERT) {
                wordPiece[0] = WordPieceFiles.find(tokenizerSource);
                tok[0] = Tokenizer.wordPiece(wordPiece[0]);
            } else {
                tok[0] = Tokenizer.load(tokenizerSource);
            }
            StateDict weights = onnx ? OnnxWeights.stateDict(OnnxModel.read(input), input.toString()) : StateDicts.read(input);
            EncoderConversion.Settings settings = new EncoderConversion.Settings(fam, headCount, eps, maxTokenNum, fields.attentionWindow,
                    fields.maxItemEmbeddings, fields.maxAttrNum, fields.maxAttrLength, fields.tokenTypeSize, pooler);
            return EncoderConversion.convert(weights, tok[0].specials(), settings, seed);
        }, output, dir -> {
            if (wordPiece[0] != null) WordPieceFiles.writeFolder(wordPiece[0], dir);
            else Checkpoint.writeTokenizerFiles(tok[0], dir);
        });
    }

    private EncoderConversion.Family family(JsonNode hfConfig, boolean onnx) {
        String name = family;
        if (name == null && hfConfig != null && hfConfig.has("model_type")) {
            String type = hfConfig.get("model_type").asText();
            name = type.contains("roberta") || type.equals("camembert") ? "roberta" : type.equals("bert") ? "bert" : null;
            if (name == null) throw new IllegalArgumentException(input + ": config.json model_type '" + type + "' is neither BERT nor RoBERTa; pass --family");
        }
        if (name == null && onnx) name = "bert";
        if (name == null) throw new IllegalArgumentException(input + ": no config.json with a model_type; pass --family bert|roberta");
        return switch (name) {
            case "bert" -> EncoderConversion.Family.BERT;
            case "roberta" -> EncoderConversion.Family.ROBERTA;
            default -> throw new IllegalArgumentException("--family must be 'bert' or 'roberta', got '" + name + "'");
        };
    }

    private Path defaultTokenizer(Path folder) {
        String file = input.getFileName().toString();
        int dot = file.lastIndexOf('.');
        Path named = folder.resolve((dot > 0 ? file.substring(0, dot) : file) + "-tokenizer.json");
        return Files.isRegularFile(named) ? named : folder;
    }

    private int intField(JsonNode hfConfig, String field, boolean onnx) {
        if (hfConfig == null || !hfConfig.has(field) || !hfConfig.get(field).canConvertToInt()) {
            throw new IllegalArgumentException(input + ": " + (hfConfig == null ? "no config.json beside it" : "config.json has no integer '" + field + "'")
                    + (onnx ? "; pass --heads N" : ""));
        }
        return hfConfig.get(field).asInt();
    }
}
