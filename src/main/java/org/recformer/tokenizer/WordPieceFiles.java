package org.recformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The files of a WordPiece (BERT-family) tokenizer: HuggingFace's {@code vocab.txt} (one token a
 * line, the id is the line number) with {@code tokenizer_config.json} ({@code do_lower_case},
 * default true as {@code BertTokenizer}); or a {@code tokenizer.json} of the {@code tokenizers}
 * library with a {@code WordPiece} model (vocabulary from {@code model.vocab}, lower-casing from the
 * {@code BertNormalizer}'s {@code lowercase}). {@link #writeFolder} turns either into the first form.
 */
public final class WordPieceFiles {
    public static final String VOCAB = "vocab.txt";
    public static final String CONFIG = "tokenizer_config.json";
    public static final String TOKENIZER_JSON = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private WordPieceFiles() {
    }

    /** A vocabulary in id order and whether text is lower-cased (and accents stripped) first. */
    public record Vocabulary(List<String> tokens, boolean lowerCase, String source) {
        int require(String token) {
            int id = tokens.indexOf(token);
            if (id < 0) throw new IllegalArgumentException(source + ": the vocabulary has no special token " + token);
            return id;
        }

        String fingerprint() {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(String.join("\n", tokens).getBytes(StandardCharsets.UTF_8));
                md.update((byte) (lowerCase ? 1 : 0));
                return HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Reads {@code vocab.txt} of a folder, with {@code do_lower_case} of its {@code tokenizer_config.json} where there is one. */
    static Vocabulary read(Path dir) {
        try {
            String text = Files.readString(dir.resolve(VOCAB), StandardCharsets.UTF_8);
            List<String> tokens = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
            if (!tokens.isEmpty() && tokens.get(tokens.size() - 1).isEmpty()) tokens.remove(tokens.size() - 1);
            tokens.replaceAll(t -> t.endsWith("\r") ? t.substring(0, t.length() - 1) : t);
            Path config = dir.resolve(CONFIG);
            JsonNode lower = Files.isRegularFile(config) ? readJson(config).get("do_lower_case") : null;
            if (lower != null && !lower.isBoolean()) {
                throw new IllegalArgumentException(config + ": 'do_lower_case' is " + lower + ", expected true or false");
            }
            return new Vocabulary(List.copyOf(tokens), lower == null || lower.booleanValue(), dir.resolve(VOCAB).toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer files in " + dir, e);
        }
    }

    /**
     * Finds the WordPiece tokenizer of {@code source}: a {@code tokenizer.json} file, or a folder with
     * {@code vocab.txt} (+ {@code tokenizer_config.json}) or {@code tokenizer.json}.
     */
    public static Vocabulary find(Path source) throws IOException {
        if (Files.isRegularFile(source)) return fromTokenizerJson(source);
        if (Files.isRegularFile(source.resolve(VOCAB))) return read(source);
        if (Files.isRegularFile(source.resolve(TOKENIZER_JSON))) return fromTokenizerJson(source.resolve(TOKENIZER_JSON));
        throw new IllegalArgumentException(source + ": no WordPiece tokenizer here (expected vocab.txt or tokenizer.json)");
    }

    private static Vocabulary fromTokenizerJson(Path file) throws IOException {
        JsonNode root = readJson(file);
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asText())) {
            throw new IllegalArgumentException(file + ": 'model.type' is " + model.path("type") + ", expected \"WordPiece\"");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) throw new IllegalArgumentException(file + ": 'model.vocab' must be a non-empty object token -> id");
        String[] tokens = new String[vocab.size()];
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) vocab::fields) {
            int id = e.getValue().asInt(-1);
            if (!e.getValue().isInt() || id < 0 || id >= tokens.length || tokens[id] != null) {
                throw new IllegalArgumentException(file + ": 'model.vocab' id of '" + e.getKey() + "' is " + e.getValue()
                        + ", expected distinct integers 0 .. " + (tokens.length - 1));
            }
            tokens[id] = e.getKey();
        }
        JsonNode normalizer = root.path("normalizer");
        boolean lower = !normalizer.isObject() || normalizer.path("lowercase").asBoolean(true);
        return new Vocabulary(List.of(tokens), lower, file.toString());
    }

    /** Writes {@code vocab.txt} and {@code tokenizer_config.json} of {@code vocabulary} into {@code dir}. */
    public static void writeFolder(Vocabulary vocabulary, Path dir) throws IOException {
        Files.writeString(dir.resolve(VOCAB), String.join("\n", vocabulary.tokens()) + "\n", StandardCharsets.UTF_8);
        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "BertTokenizer");
        config.put("do_lower_case", vocabulary.lowerCase());
        Files.writeString(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config), StandardCharsets.UTF_8);
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }
}
