package org.recformer.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE tokenizer of GPT-2 / RoBERTa / Longformer, giving the ids of HuggingFace's
 * {@code RobertaTokenizer} on plain text (special-token strings inside the text are not split
 * out; no special tokens are added). Thread-safe and immutable apart from its word cache.
 *
 * <p>Vocabulary files: HuggingFace's {@code vocab.json} + {@code merges.txt} or GPT-2's
 * {@code encoder.json} + {@code vocab.bpe} (same formats). Any of {@code <s> <pad> </s> <unk>
 * <mask>} missing from the vocabulary is appended after its largest id, in that order.
 *
 * <p>A BERT-family folder ({@code vocab.txt} + {@code tokenizer_config.json}, see {@link WordPieceFiles})
 * gives a WordPiece tokenizer instead, equal to HuggingFace's {@code BertTokenizer}; its special
 * tokens {@code [CLS] [PAD] [SEP] [UNK] [MASK]} play the parts of {@code <s> <pad> </s> <unk> <mask>}.
 */
public final class Tokenizer {

    private static final String BUNDLED_DIR = "/tokenizer/gpt3-encoder/";

    private final String source;
    private final String fingerprint;
    private final String[] idToToken;
    private final Map<String, Integer> tokenToId;
    private final SpecialTokens specials;
    private final BytePairMerges merges;
    /** Vocabulary id of every BPE symbol (unk where the vocabulary lacks it). */
    private final int[] symbolToId;
    /** The WordPiece splitter of a BERT-family vocabulary; null for byte-level BPE (then merges is set). */
    private final WordPiece wordPiece;

    private Tokenizer(String source, byte[] vocabJson, String vocabName, byte[] mergesText, String mergesName) {
        this.source = source;
        this.fingerprint = sha256(vocabJson, mergesText);
        Map<String, Integer> vocab = parseVocab(vocabJson, source + "/" + vocabName);
        int maxId = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        for (String text : SpecialTokens.TEXTS) {
            if (!vocab.containsKey(text)) {
                vocab.put(text, ++maxId);
            }
        }
        this.tokenToId = Map.copyOf(vocab);
        this.idToToken = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (idToToken[id] != null) {
                throw new IllegalArgumentException(source + "/" + vocabName + ": id " + id
                        + " is used by both '" + idToToken[id] + "' and '" + e.getKey() + "'");
            }
            idToToken[id] = e.getKey();
        }
        this.specials = new SpecialTokens(vocab.get("<s>"), vocab.get("<pad>"), vocab.get("</s>"),
                vocab.get("<unk>"), vocab.get("<mask>"));
        this.merges = parseMerges(mergesText, source + "/" + mergesName);
        this.symbolToId = new int[merges.symbolCount()];
        for (int s = 0; s < symbolToId.length; s++) {
            symbolToId[s] = vocab.getOrDefault(merges.symbolText(s), specials.unk());
        }
        this.wordPiece = null;
    }

    private Tokenizer(String source, WordPieceFiles.Vocabulary vocabulary) {
        this.source = source;
        this.fingerprint = vocabulary.fingerprint();
        this.idToToken = vocabulary.tokens().toArray(new String[0]);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < idToToken.length; id++) vocab.put(idToToken[id], id);
        this.tokenToId = Map.copyOf(vocab);
        this.specials = new SpecialTokens(vocabulary.require("[CLS]"), vocabulary.require("[PAD]"), vocabulary.require("[SEP]"),
                vocabulary.require("[UNK]"), vocabulary.require("[MASK]"));
        this.merges = null;
        this.symbolToId = null;
        this.wordPiece = new WordPiece(tokenToId, vocabulary.lowerCase(), "[UNK]");
    }

    /**
     * Loads a tokenizer folder holding {@code vocab.json} + {@code merges.txt} (HuggingFace) or
     * {@code encoder.json} + {@code vocab.bpe} (GPT-2).
     */
    public static Tokenizer load(Path dir) {
        if (Files.isRegularFile(dir.resolve(WordPieceFiles.VOCAB)) && Files.isRegularFile(dir.resolve(WordPieceFiles.CONFIG))) {
            return new Tokenizer(dir.toString(), WordPieceFiles.read(dir));
        }
        String[][] layouts = {{"vocab.json", "merges.txt"}, {"encoder.json", "vocab.bpe"}};
        for (String[] layout : layouts) {
            Path vocab = dir.resolve(layout[0]);
            Path mergeFile = dir.resolve(layout[1]);
            if (Files.isRegularFile(vocab) && Files.isRegularFile(mergeFile)) {
                try {
                    return new Tokenizer(dir.toString(), Files.readAllBytes(vocab), layout[0],
                            Files.readAllBytes(mergeFile), layout[1]);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read tokenizer files in " + dir, e);
                }
            }
        }
        throw new IllegalArgumentException("tokenizer folder " + dir
                + " must hold vocab.json + merges.txt, encoder.json + vocab.bpe, or vocab.txt + tokenizer_config.json");
    }

    /** A WordPiece tokenizer of {@code vocabulary} (see {@link WordPieceFiles}). */
    public static Tokenizer wordPiece(WordPieceFiles.Vocabulary vocabulary) {
        return new Tokenizer(vocabulary.source(), vocabulary);
    }

    /** The tokenizer bundled with the project: GPT-2's ids and merges (see its README). */
    public static Tokenizer bundled() {
        return Bundled.INSTANCE;
    }

    private static final class Bundled {
        static final Tokenizer INSTANCE = new Tokenizer("bundled:gpt3-encoder",
                resource("encoder.json"), "encoder.json", resource("vocab.bpe"), "vocab.bpe");

        private static byte[] resource(String name) {
            try (InputStream in = Tokenizer.class.getResourceAsStream(BUNDLED_DIR + name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + BUNDLED_DIR + name);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read resource " + BUNDLED_DIR + name, e);
            }
        }
    }

    private static Map<String, Integer> parseVocab(byte[] json, String name) {
        Map<String, Integer> vocab;
        try {
            vocab = new ObjectMapper().readValue(json, new TypeReference<LinkedHashMap<String, Integer>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + ": expected a JSON object token -> integer id: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException(name + ": token '" + e.getKey()
                        + "' has id " + e.getValue() + ", expected an integer >= 0");
            }
        }
        return vocab;
    }

    private static BytePairMerges parseMerges(byte[] text, String name) {
        List<String> lines = new ArrayList<>(Arrays.asList(new String(text, StandardCharsets.UTF_8).split("\n", -1)));
        int firstLine = 1;
        if (!lines.isEmpty() && lines.get(0).startsWith("#version")) {
            lines.remove(0);
            firstLine = 2;
        }
        // Trailing empty lines (the file's final newline) carry no rule.
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        lines.replaceAll(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
        return new BytePairMerges(lines, name, firstLine);
    }

    private static String sha256(byte[] vocab, byte[] merges) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(vocab);
            md.update((byte) 0);
            md.update(merges);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The ids of {@code text} (no special tokens added). */
    public int[] encode(String text) {
        return encode(text, Integer.MAX_VALUE);
    }

    /**
     * The first ids of {@code text}, at least {@code maxTokens} of them when the text has that many,
     * with work bounded by {@code maxTokens} rather than by the text: no token covers more than
     * {@link #longestTokenChars()} characters (a longer WordPiece word is one unknown token however
     * long it is), so the text is first cut to twice as many characters as {@code maxTokens} tokens
     * can cover, and BPE words are merged only until {@code maxTokens} ids are out. The first
     * {@code maxTokens} ids equal those of {@link #encode(String)} unless one word spans about half
     * the kept text (merges near the cut of such a word may differ).
     */
    public int[] encode(String text, int maxTokens) {
        if (maxTokens <= 0) return new int[0];
        long keep = 2L * maxTokens * longestTokenChars();
        if (text.length() > keep) {
            int end = (int) keep;
            if (Character.isHighSurrogate(text.charAt(end - 1))) end--;
            text = text.substring(0, end);
        }
        if (wordPiece != null) return wordPiece.tokenize(text).stream().mapToInt(tokenToId::get).toArray();
        int[] out = new int[Math.max(8, Math.min(text.length(), maxTokens))];
        int n = 0;
        for (String piece : PreTokenizer.split(text)) {
            if (n >= maxTokens) break;
            int[] symbols = merges.merge(piece);
            if (n + symbols.length > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, n + symbols.length));
            }
            for (int s : symbols) {
                out[n++] = symbolToId[s];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Most characters of text one token stands for (a WordPiece word longer than that is one unknown token). */
    private int longestTokenChars() {
        return wordPiece != null ? WordPiece.MAX_WORD_CHARS + 1 : merges.longestSymbolBytes();
    }

    /** The BPE token strings of {@code text}, in byte characters (a leading space shows as 'Ġ'); WordPiece: its pieces. */
    public List<String> tokenize(String text) {
        if (wordPiece != null) return wordPiece.tokenize(text);
        List<String> tokens = new ArrayList<>();
        for (String piece : PreTokenizer.split(text)) {
            for (int s : merges.merge(piece)) {
                tokens.add(merges.symbolText(s));
            }
        }
        return tokens;
    }

    /**
     * The text of {@code ids}: the tokens' bytes decoded as UTF-8 (malformed bytes become U+FFFD);
     * special tokens appear as their text. No clean-up of spaces, so
     * {@code decode(encode(s)).equals(s)} for every valid string. WordPiece: the tokens joined by
     * spaces, {@code ##} pieces glued to the one before (HuggingFace's {@code convert_tokens_to_string}).
     */
    public String decode(int[] ids) {
        if (wordPiece != null) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String t = token(id);
                if (t.startsWith(WordPiece.CONTINUATION)) sb.append(t, WordPiece.CONTINUATION.length(), t.length());
                else sb.append(sb.length() == 0 ? "" : " ").append(t);
            }
            return sb.toString();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            ByteLevel.appendBytes(token(id), bytes);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The token string of {@code id}. */
    public String token(int id) {
        if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary of " + source
                    + " (size " + idToToken.length + ")");
        }
        return idToToken[id];
    }

    /** The id of token string {@code token}, or -1 if it is not in the vocabulary. */
    public int id(String token) {
        return tokenToId.getOrDefault(token, -1);
    }

    /** One more than the largest id (HuggingFace's {@code len(tokenizer)}). */
    public int vocabSize() {
        return idToToken.length;
    }

    /** Whether this is a WordPiece tokenizer (word pieces after the first start with {@code ##}) rather than byte-level BPE. */
    public boolean isWordPiece() {
        return wordPiece != null;
    }

    /** The special token ids. */
    public SpecialTokens specials() {
        return specials;
    }

    /** SHA-256 of the vocabulary and merges files: changes when the tokenizer does. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Where the tokenizer was loaded from (a folder or {@code bundled:...}). */
    public String source() {
        return source;
    }
}
