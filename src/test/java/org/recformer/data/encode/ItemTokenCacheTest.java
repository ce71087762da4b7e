package org.recformer.data.encode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The item token cache: built once, reused, rebuilt when stale or damaged, placed where writable. */
class ItemTokenCacheTest {

    private static final Tokenizer TOKENIZER = Tokenizer.bundled();
    private static final ItemEncoder ENCODER = new ItemEncoder(TOKENIZER,
            EncodingSettings.recformerDefaults(TOKENIZER.specials()));

    private static List<Map<String, String>> items(int n) {
        List<Map<String, String>> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> item = new LinkedHashMap<>();
            item.put("title", "Product " + i + " deluxe édition");
            item.put("brand", i % 3 == 0 ? "" : "Brand" + (i % 7));
            item.put("category", "Home Kitchen Tools");
            items.add(item);
        }
        return items;
    }

    private static List<Path> cacheFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".bin")).toList();
        }
    }

    @Test
    void tokensEqualDirectEncodingAndAreWrittenNextToTheData(@TempDir Path data, @TempDir Path user) throws IOException {
        List<Map<String, String>> items = items(50);
        ItemTokens tokens = ItemTokenCache.load(data, user, items, ENCODER);
        assertEquals(50, tokens.size());
        for (int i = 0; i < items.size(); i++) {
            EncodedItem direct = ENCODER.encode(items.get(i));
            assertArrayEquals(direct.ids(), tokens.get(i).ids());
            assertArrayEquals(direct.tokenTypes(), tokens.get(i).tokenTypes());
        }
        assertEquals(1, cacheFiles(data.resolve(".recformer-cache")).size());
        assertEquals(0, cacheFiles(user).size());
    }

    @Test
    void aValidCacheFileIsReadInsteadOfTokenizing(@TempDir Path data, @TempDir Path user) throws IOException {
        List<Map<String, String>> items = items(3);
        ItemTokenCache.load(data, user, items, ENCODER);
        Path file = cacheFiles(data.resolve(".recformer-cache")).get(0);
        // Plant different tokens under the same key: if the cache is used, they come back.
        ItemTokens planted = ItemTokens.pack(new EncodedItem[] {
                new EncodedItem(new int[] {7}, new int[] {1}), new EncodedItem(new int[] {}, new int[] {}),
                new EncodedItem(new int[] {70000, 9}, new int[] {1, 2})});
        Files.write(file, ItemTokenCache.serialize(planted, ItemTokenCache.key(items, ENCODER)));
        assertEquals(planted, ItemTokenCache.load(data, user, items, ENCODER));
    }

    @Test
    void damagedFilesAreRebuiltNotTrusted(@TempDir Path data, @TempDir Path user) throws IOException {
        List<Map<String, String>> items = items(20);
        ItemTokens expected = ItemTokenCache.load(data, user, items, ENCODER);
        Path file = cacheFiles(data.resolve(".recformer-cache")).get(0);
        byte[] good = Files.readAllBytes(file);

        Files.write(file, java.util.Arrays.copyOf(good, good.length / 2));             // truncated
        assertEquals(expected, ItemTokenCache.load(data, user, items, ENCODER));
        assertArrayEquals(good, Files.readAllBytes(file));

        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x40;                                            // one bit flipped
        Files.write(file, flipped);
        assertEquals(expected, ItemTokenCache.load(data, user, items, ENCODER));
        assertArrayEquals(good, Files.readAllBytes(file));

        Files.write(file, new byte[0]);                                                 // empty
        assertEquals(expected, ItemTokenCache.load(data, user, items, ENCODER));
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void changedItemsOrLimitsGiveAnotherCacheFile(@TempDir Path data, @TempDir Path user) throws IOException {
        List<Map<String, String>> items = items(10);
        ItemTokenCache.load(data, user, items, ENCODER);
        List<Map<String, String>> changed = items(10);
        changed.get(4).put("title", "another title");
        ItemTokens changedTokens = ItemTokenCache.load(data, user, changed, ENCODER);
        assertArrayEquals(ENCODER.encode(changed.get(4)).ids(), changedTokens.get(4).ids());
        ItemEncoder shorter = new ItemEncoder(TOKENIZER, new EncodingSettings(3, 4, 51, 1024,
                TOKENIZER.specials().bos(), TOKENIZER.specials().pad(), TOKENIZER.specials().mask()));
        ItemTokens cut = ItemTokenCache.load(data, user, items, shorter);
        assertArrayEquals(shorter.encode(items.get(0)).ids(), cut.get(0).ids());
        assertNotEquals(ENCODER.encode(items.get(0)).length(), cut.get(0).length());
        assertEquals(3, cacheFiles(data.resolve(".recformer-cache")).size());
    }

    @Test
    void anUnwritableDataFolderSendsTheCacheToTheUserFolder(@TempDir Path tmp) throws IOException {
        // A data "folder" below a regular file cannot hold a cache folder, whoever runs the test.
        Path blocker = Files.writeString(tmp.resolve("not-a-folder"), "x");
        Path data = blocker.resolve("data");
        Path user = tmp.resolve("user-cache");
        List<Map<String, String>> items = items(5);
        ItemTokens first = ItemTokenCache.load(data, user, items, ENCODER);
        assertEquals(1, cacheFiles(user).size());
        assertTrue(cacheFiles(user).get(0).getFileName().toString().startsWith("items-"));
        assertEquals(first, ItemTokenCache.load(data, user, items, ENCODER));
    }

    @Test
    void emptyCatalogueWorks(@TempDir Path data, @TempDir Path user) {
        ItemTokens tokens = ItemTokenCache.load(data, user, List.of(), ENCODER);
        assertEquals(0, tokens.size());
        assertEquals(tokens, ItemTokenCache.load(data, user, List.of(), ENCODER));
    }
}
