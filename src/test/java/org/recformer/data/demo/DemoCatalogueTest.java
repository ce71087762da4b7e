package org.recformer.data.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoCatalogueTest {

    @Test
    void sameSeedSameFiles(@TempDir Path dir) throws Exception {
        new DemoCatalogue(100, 50, 7).writeTo(dir.resolve("a"));
        new DemoCatalogue(100, 50, 7).writeTo(dir.resolve("b"));
        for (String f : new String[] {"meta_data.json", "smap.json", "umap.json", "train.json", "val.json", "test.json"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
        }
    }

    @Test
    void layoutIsConsistent(@TempDir Path dir) throws Exception {
        DemoCatalogue.standard().writeTo(dir);
        ObjectMapper json = new ObjectMapper();
        JsonNode smap = json.readTree(dir.resolve("smap.json").toFile());
        JsonNode meta = json.readTree(dir.resolve("meta_data.json").toFile());
        JsonNode train = json.readTree(dir.resolve("train.json").toFile());
        JsonNode val = json.readTree(dir.resolve("val.json").toFile());
        JsonNode test = json.readTree(dir.resolve("test.json").toFile());
        assertEquals(600, smap.size());
        assertEquals(600, meta.size());
        assertTrue(train.size() > 600, "most of the 640 users kept: " + train.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = train.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertTrue(e.getValue().size() >= 1, "user " + e.getKey() + " has a training item");
            assertEquals(1, val.get(e.getKey()).size());
            assertEquals(1, test.get(e.getKey()).size());
        }
        JsonNode first = meta.get("DEMO000000");
        assertTrue(first.get("title").asText().startsWith(first.get("brand").asText()), "title starts with the brand");
    }
}
