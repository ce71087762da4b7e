package org.recformer.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.testing.SharedFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void loadsSharedScientificDatasetWithItsPublishedStatistics() throws IOException {
        Path scientific = SharedFiles.dataFolder("amazon-scientific-small");
        Dataset data = Dataset.load(scientific);
        // data/README.md: 2,928 users, 1,585 items, 19,712 interactions (= train + val + test items)
        assertEquals(2928, data.userCount());
        assertEquals(1585, data.itemCount());
        assertEquals(19712, data.interactionCount());
        assertEquals(19712 - 2 * 2928, data.trainInteractionCount());

        // Compare with an independent tree read of the files.
        JsonNode train = MAPPER.readTree(scientific.resolve("train.json").toFile());
        JsonNode validation = MAPPER.readTree(scientific.resolve("val.json").toFile());
        JsonNode test = MAPPER.readTree(scientific.resolve("test.json").toFile());
        int[] counts = new int[data.itemCount()];
        for (int user = 0; user < data.userCount(); user++) {
            JsonNode sequence = train.get(Integer.toString(user));
            int[] expected = new int[sequence.size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = sequence.get(i).asInt();
                counts[expected[i]]++;
            }
            assertArrayEquals(expected, data.train(user));
            assertArrayEquals(new int[] {validation.get(Integer.toString(user)).get(0).asInt()}, data.validation(user));
            assertArrayEquals(new int[] {test.get(Integer.toString(user)).get(0).asInt()}, data.test(user));
        }
        assertArrayEquals(counts, data.trainItemCounts());

        JsonNode itemMap = MAPPER.readTree(scientific.resolve("smap.json").toFile());
        JsonNode metadata = MAPPER.readTree(scientific.resolve("meta_data.json").toFile());
        for (Iterator<Map.Entry<String, JsonNode>> it = itemMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            int item = entry.getValue().asInt();
            assertEquals(entry.getKey(), data.rawItemId(item));
            Map<String, String> attributes = data.itemAttributes().get(item);
            assertEquals(java.util.List.of("title", "brand", "category"), java.util.List.copyOf(attributes.keySet()));
            assertEquals(metadata.get(entry.getKey()).get("title").asText(), attributes.get("title"));
        }
        assertEquals("Shoe GOO\u00ae Adhesive, 3.7 fl oz", data.itemAttributes().get(1).get("title"));
        assertEquals("A1AXCV2WYDA4PD", data.rawUserId(0));
    }

    /** A valid three-user, four-item dataset; tests break one file at a time. */
    private void writeValid() throws IOException {
        write("umap.json", "{\"ua\": 0, \"ub\": 1, \"uc\": 2}");
        write("smap.json", "{\"i0\": 0, \"i1\": 1, \"i2\": 2, \"i3\": 3}");
        write("meta_data.json", "{\"i0\": {\"title\": \"zero\", \"brand\": \"b\"}, \"i1\": {\"title\": \"one\"},"
                + " \"extra\": {\"title\": \"not in smap\"}, \"i2\": {}, \"i3\": {\"title\": \"three\", \"category\": \"c\"}}");
        write("train.json", "{\"0\": [0, 1, 1], \"1\": [2], \"2\": [3, 0]}");
        write("val.json", "{\"0\": [2], \"1\": [3]}");
        write("test.json", "{\"0\": [3], \"1\": [0]}");
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }

    @Test
    void loadsSmallDatasetAndCountsPopularity() throws IOException {
        writeValid();
        Dataset data = Dataset.load(dir);
        assertEquals(3, data.userCount());
        assertEquals(4, data.itemCount());
        assertEquals(10, data.interactionCount());
        assertArrayEquals(new int[] {0, 1, 1}, data.train(0));
        assertArrayEquals(new int[] {2}, data.validation(0));
        assertArrayEquals(new int[0], data.validation(2));
        assertArrayEquals(new int[0], data.test(2));
        assertArrayEquals(new int[] {2, 2, 1, 1}, data.trainItemCounts());
        assertEquals("{title=zero, brand=b}", data.itemAttributes().get(0).toString());
        assertEquals("{}", data.itemAttributes().get(2).toString());
        assertEquals("i3", data.rawItemId(3));
        assertEquals("ub", data.rawUserId(1));
    }

    private DatasetFormatException failure(String file, String content) throws IOException {
        writeValid();
        write(file, content);
        return assertThrows(DatasetFormatException.class, () -> Dataset.load(dir));
    }

    private static void assertNames(DatasetFormatException e, String file, String key, String reason) {
        assertEquals(file, e.file().getFileName().toString(), e.getMessage());
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void reportsItemWithoutSmapEntry() throws IOException {
        assertNames(failure("train.json", "{\"0\": [0, 4], \"1\": [2], \"2\": [3]}"),
                "train.json", "0", "item id 4 has no entry in smap.json");
    }

    @Test
    void reportsSmapItemWithoutMetadata() throws IOException {
        assertNames(failure("meta_data.json", "{\"i0\": {}, \"i1\": {}, \"i3\": {}}"),
                "smap.json", "i2", "item id 2 has no entry in meta_data.json");
    }

    @Test
    void reportsIdsThatAreNotDense() throws IOException {
        assertNames(failure("smap.json", "{\"i0\": 0, \"i1\": 1, \"i2\": 2, \"i3\": 7}"),
                "smap.json", "i3", "item id 7 is out of range: ids must be dense, 0..3");
        assertNames(failure("umap.json", "{\"ua\": 0, \"ub\": 1, \"uc\": 1}"),
                "umap.json", "uc", "user id 1 is used twice");
    }

    @Test
    void reportsValidationEntryThatIsNotOneItem() throws IOException {
        assertNames(failure("val.json", "{\"0\": [2, 3], \"1\": [3]}"),
                "val.json", "0", "expected exactly one item id, found 2");
        assertNames(failure("test.json", "{\"0\": [], \"1\": [0]}"),
                "test.json", "0", "expected exactly one item id, found 0");
    }

    @Test
    void reportsValidationUserWithoutTrainSequence() throws IOException {
        assertNames(failure("train.json", "{\"0\": [0, 1, 1], \"2\": [3, 0]}"),
                "val.json", "1", "validation item but no train sequence");
    }

    @Test
    void reportsUserWithoutTrainSequenceAndTestWithoutValidation() throws IOException {
        assertNames(failure("train.json", "{\"0\": [0, 1, 1], \"1\": [2]}"),
                "train.json", "2", "user id 2 (\"uc\" in umap.json) has no train sequence");
        assertNames(failure("val.json", "{\"0\": [2]}"),
                "val.json", "1", "user has an entry in test.json but none here");
    }

    @Test
    void reportsBadKeysAndValues() throws IOException {
        assertNames(failure("train.json", "{\"ua\": [0]}"), "train.json", "ua", "expected a user id");
        assertNames(failure("train.json", "{\"0\": [0], \"1\": [2], \"2\": [3], \"3\": [1]}"),
                "train.json", "3", "user id 3 has no entry in umap.json");
        assertNames(failure("train.json", "{\"0\": [0], \"0\": [1]}"), "train.json", "0", "duplicate key");
        assertNames(failure("train.json", "{\"0\": [\"i0\"]}"), "train.json", "0",
                "expected an integer item id, found string \"i0\"");
        assertNames(failure("meta_data.json", "{\"i0\": {\"title\": 3}}"), "meta_data.json", "i0",
                "attribute \"title\" must be a string, found number 3");
        assertNames(failure("smap.json", "[0, 1]"), "smap.json", null, "expected a JSON object, found a list");
    }

    @Test
    void reportsBytesThatAreNotUtf8AndIdsBeyondALongNamingTheFile() throws IOException {
        writeValid();
        byte[] meta = "{\"i0\": {\"title\": \"caf\u00e9\"}, \"i1\": {}, \"i2\": {}, \"i3\": {}}".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(dir.resolve("meta_data.json"), meta); // é as the single byte 0xE9
        DatasetFormatException notUtf8 = assertThrows(DatasetFormatException.class, () -> Dataset.load(dir));
        assertNames(notUtf8, "meta_data.json", null, "UTF-8");
        assertNames(failure("train.json", "{\"0\": [0, 99999999999999999999], \"1\": [2], \"2\": [3]}"),
                "train.json", null, "out of range of long");
    }

    @Test
    void reportsInvalidJsonAndMissingFile() throws IOException {
        DatasetFormatException e = failure("test.json", "{\"0\": [3], \"1\": [0]");
        assertNames(e, "test.json", null, "not valid JSON");
        writeValid();
        Files.delete(dir.resolve("umap.json"));
        assertNames(assertThrows(DatasetFormatException.class, () -> Dataset.load(dir)),
                "umap.json", null, "file is missing");
    }
}
