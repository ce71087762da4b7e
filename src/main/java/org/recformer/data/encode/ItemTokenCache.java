package org.recformer.data.encode;

import org.recformer.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Tokenizes a dataset's items once and keeps the result in a binary file,
 * {@code <data>/.recformer-cache/items-<key>.bin}, or, where the data folder is not writable, in
 * the user cache folder ({@code -Drecformer.cache.dir}, else {@code $XDG_CACHE_HOME/recformer},
 * else {@code ~/.cache/recformer}). The key is a SHA-256 of the tokenizer files, the item limits
 * ({@code maxAttrNum}, {@code maxAttrLength}) and the items' attribute texts, so any change that
 * would change the tokens gives a new file. A file that is corrupt, truncated or of another key is
 * rebuilt, never trusted.
 *
 * <p>File layout (little-endian): magic {@code RFIT}, int version, 32-byte key, int items,
 * int tokens, int bytes per id (2 or 4), int[items + 1] offsets, ids (uint16 or int32),
 * byte[tokens] token types, int CRC32 of everything before it.
 */
public final class ItemTokenCache {

    private static final Logger LOG = LoggerFactory.getLogger(ItemTokenCache.class);
    private static final int MAGIC = 0x54494652; // "RFIT" little-endian
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 4 + 4 + 32 + 4 + 4 + 4;

    private ItemTokenCache() {
    }

    /** {@link #load(Path, Path, List, ItemEncoder)} with the default user cache folder. */
    public static ItemTokens load(Path dataDir, List<? extends Map<String, String>> items, ItemEncoder encoder) {
        return load(dataDir, defaultUserCacheDir(), items, encoder);
    }

    /**
     * The tokens of {@code items} (item id = list index): read from a valid cache file in
     * {@code dataDir/.recformer-cache} or {@code userCacheDir}, else tokenized on all cores and
     * written to the first of those two folders that is writable.
     */
    public static ItemTokens load(Path dataDir, Path userCacheDir, List<? extends Map<String, String>> items,
                                  ItemEncoder encoder) {
        byte[] key = key(items, encoder);
        String fileName = "items-" + HexFormat.of().formatHex(key, 0, 8) + ".bin";
        Path[] folders = {dataDir.resolve(".recformer-cache"), userCacheDir};
        for (Path folder : folders) {
            Path file = folder.resolve(fileName);
            if (Files.isRegularFile(file)) {
                ItemTokens cached = read(file, key);
                if (cached != null && cached.size() == items.size()) {
                    return cached;
                }
            }
        }
        ItemTokens tokens = ItemTokens.build(items, encoder);
        byte[] bytes = serialize(tokens, key);
        for (Path folder : folders) {
            if (write(folder.resolve(fileName), bytes)) {
                return tokens;
            }
        }
        LOG.warn("could not write the item token cache to {} or {}; continuing without it", folders[0], folders[1]);
        return tokens;
    }

    /** The user cache folder: {@code recformer.cache.dir}, {@code $XDG_CACHE_HOME/recformer} or {@code ~/.cache/recformer}. */
    public static Path defaultUserCacheDir() {
        String property = System.getProperty("recformer.cache.dir");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "recformer");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "recformer");
    }

    /** SHA-256 of the tokenizer fingerprint, the item limits and every item's attribute texts. */
    static byte[] key(List<? extends Map<String, String>> items, ItemEncoder encoder) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer ints = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        ints.putInt(VERSION).putInt(encoder.settings().maxAttrNum()).putInt(encoder.settings().maxAttrLength())
                .putInt(items.size());
        md.update(encoder.tokenizer().fingerprint().getBytes(StandardCharsets.UTF_8));
        md.update(ints.array());
        for (Map<String, String> item : items) {
            updateInt(md, item.size());
            for (Map.Entry<String, String> attribute : item.entrySet()) {
                updateText(md, attribute.getKey());
                updateText(md, attribute.getValue());
            }
        }
        return md.digest();
    }

    private static void updateText(MessageDigest md, String text) {
        byte[] bytes = String.valueOf(text).getBytes(StandardCharsets.UTF_8);
        updateInt(md, bytes.length);
        md.update(bytes);
    }

    private static void updateInt(MessageDigest md, int value) {
        md.update(new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)});
    }

    static byte[] serialize(ItemTokens tokens, byte[] key) {
        int items = tokens.size();
        int count = tokens.tokenCount();
        int idBytes = Arrays.stream(tokens.ids()).allMatch(id -> id >= 0 && id < 65536) ? 2 : 4;
        long size = HEADER_BYTES + 4L * (items + 1) + (long) idBytes * count + count + 4;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("item token cache of " + size + " bytes is larger than 2 GiB");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).putInt(VERSION).put(key).putInt(items).putInt(count).putInt(idBytes);
        for (int offset : tokens.offsets()) {
            buf.putInt(offset);
        }
        for (int id : tokens.ids()) {
            if (idBytes == 2) {
                buf.putShort((short) id);
            } else {
                buf.putInt(id);
            }
        }
        buf.put(tokens.types());
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    /** The tokens in {@code file}, or null (logged) when it is unreadable, corrupt or of another key. */
    static ItemTokens read(Path file, byte[] key) {
        try {
            return parse(Files.readAllBytes(file), key);
        } catch (IOException | RuntimeException e) {
            LOG.warn("item token cache {} is unusable ({}); rebuilding it", file, e.getMessage());
            return null;
        }
    }

    private static ItemTokens parse(byte[] bytes, byte[] key) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        require(bytes.length >= HEADER_BYTES + 8, "shorter than its header");
        require(buf.getInt() == MAGIC, "bad magic number");
        require(buf.getInt() == VERSION, "other format version");
        byte[] fileKey = new byte[32];
        buf.get(fileKey);
        require(Arrays.equals(fileKey, key), "other key");
        int items = buf.getInt();
        int count = buf.getInt();
        int idBytes = buf.getInt();
        require(items >= 0 && count >= 0 && (idBytes == 2 || idBytes == 4), "bad header");
        long expected = HEADER_BYTES + 4L * (items + 1) + (long) idBytes * count + count + 4;
        require(bytes.length == expected, "size " + bytes.length + " bytes, header says " + expected);
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        require(ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()
                == (int) crc.getValue(), "checksum mismatch");
        int[] offsets = new int[items + 1];
        for (int i = 0; i <= items; i++) {
            offsets[i] = buf.getInt();
            require(i == 0 ? offsets[0] == 0 : offsets[i] >= offsets[i - 1], "offsets not increasing");
        }
        int[] ids = new int[count];
        for (int t = 0; t < count; t++) {
            ids[t] = idBytes == 2 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        }
        byte[] types = new byte[count];
        buf.get(types);
        for (byte type : types) {
            require(type == TokenTypes.KEY || type == TokenTypes.VALUE, "bad token type " + type);
        }
        return new ItemTokens(offsets, ids, types);
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalStateException(problem);
        }
    }

    /** Writes atomically (temporary file then rename); false if the folder is not writable. */
    private static boolean write(Path file, byte[] bytes) {
        try {
            AtomicFiles.write(file, out -> out.write(bytes));
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            LOG.debug("cannot write item token cache {}: {}", file, e.toString());
            return false;
        }
    }
}
