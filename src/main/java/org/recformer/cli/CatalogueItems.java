package org.recformer.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.recformer.data.Dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The catalogue a finetuned model's item table belongs to, kept in its model folder as
 * {@code items.json} (raw item id -> attributes, in item id order), so {@code recommend} can name
 * and encode items without the dataset folder.
 */
record CatalogueItems(List<String> rawIds, List<LinkedHashMap<String, String>> attributes) {
    static final String FILE_NAME = "items.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    static CatalogueItems of(Dataset data) {
        List<String> ids = new ArrayList<>(data.itemCount());
        for (int i = 0; i < data.itemCount(); i++) ids.add(data.rawItemId(i));
        return new CatalogueItems(ids, data.itemAttributes());
    }

    static void write(Dataset data, Path file) throws IOException {
        LinkedHashMap<String, LinkedHashMap<String, String>> items = new LinkedHashMap<>();
        for (int i = 0; i < data.itemCount(); i++) items.put(data.rawItemId(i), data.itemAttributes().get(i));
        JSON.writeValue(file.toFile(), items);
    }

    /** The catalogue saved in a model folder, or null when it has none. */
    static CatalogueItems readOrNull(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) return null;
        LinkedHashMap<String, LinkedHashMap<String, String>> items;
        try {
            items = JSON.readValue(file.toFile(), new TypeReference<>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": expected a JSON object item id -> attributes: " + e.getMessage(), e);
        }
        return new CatalogueItems(new ArrayList<>(items.keySet()), new ArrayList<>(items.values()));
    }

    int size() {
        return rawIds.size();
    }
}
