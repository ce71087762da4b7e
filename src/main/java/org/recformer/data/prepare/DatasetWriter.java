package org.recformer.data.prepare;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.recformer.data.Dataset;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes numbered sequences in the Recformer folder layout: the last item of each sequence is
 * the test item, the one before it the validation item, the rest the training sequence. Also
 * writes {@code stats.json} and counts users, items and interactions into the report.
 */
final class DatasetWriter {

    /** Name of the report file written next to the dataset. */
    static final String STATS_FILE = "stats.json";

    static final JsonFactory JSON = new JsonFactory();

    /** Writes one JSON document. */
    interface JsonContent {
        void writeTo(JsonGenerator json) throws IOException;
    }

    private DatasetWriter() {
    }

    /**
     * @param attributes attributes of a raw item id (every item of {@code data} must have them)
     */
    static void write(OutputFolder output, SequenceSplitter.Sequences data,
                      Function<String, LinkedHashMap<String, String>> attributes, PrepareReport report) throws IOException {
        List<int[]> sequences = data.sequences();
        if (sequences.isEmpty()) {
            throw new PrepareInputException("no user is left to write, so there is no dataset (" + report.dropsOnOneLine()
                    + "); nothing was written to " + output.directory());
        }
        long interactions = 0;
        for (int[] sequence : sequences) {
            if (sequence.length < 3) {
                throw new IllegalStateException("a sequence of " + sequence.length + " items cannot be split in three");
            }
            interactions += sequence.length;
        }
        report.count("users", data.users().size());
        report.count("items", data.items().size());
        report.count("interactions", interactions);
        report.count("train_interactions", interactions - 2L * sequences.size());

        writeJson(output, Dataset.TRAIN_FILE, json -> writeSplit(json, sequences, 0, 2));
        writeJson(output, Dataset.VALIDATION_FILE, json -> writeSplit(json, sequences, -2, 1));
        writeJson(output, Dataset.TEST_FILE, json -> writeSplit(json, sequences, -1, 0));
        writeJson(output, Dataset.USER_MAP_FILE, json -> writeIds(json, data.users()));
        writeJson(output, Dataset.ITEM_MAP_FILE, json -> writeIds(json, data.items()));
        writeJson(output, Dataset.METADATA_FILE, json -> {
            json.writeStartObject();
            for (String item : data.items()) {
                writeAttributes(json, item, attributes.apply(item));
            }
            json.writeEndObject();
        });
        output.write(STATS_FILE, report::writeJson);
        output.commit();
    }

    /**
     * Writes user id -> part of each sequence.
     *
     * @param from first position; negative counts from the end
     * @param dropLast how many items to leave off the end
     */
    private static void writeSplit(JsonGenerator json, List<int[]> sequences, int from, int dropLast) throws IOException {
        json.writeStartObject();
        for (int user = 0; user < sequences.size(); user++) {
            int[] sequence = sequences.get(user);
            int start = from < 0 ? sequence.length + from : from;
            json.writeFieldName(Integer.toString(user));
            json.writeArray(sequence, start, sequence.length - dropLast - start);
        }
        json.writeEndObject();
    }

    private static void writeIds(JsonGenerator json, List<String> raw) throws IOException {
        json.writeStartObject();
        for (int id = 0; id < raw.size(); id++) {
            json.writeNumberField(raw.get(id), id);
        }
        json.writeEndObject();
    }

    /** Writes one meta_data.json entry: raw item id -> attributes in order. */
    static void writeAttributes(JsonGenerator json, String rawItemId, Map<String, String> attributes) throws IOException {
        json.writeFieldName(rawItemId);
        json.writeStartObject();
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            json.writeStringField(attribute.getKey(), attribute.getValue());
        }
        json.writeEndObject();
    }

    /** Writes one JSON file through a streaming generator. */
    static void writeJson(OutputFolder output, String name, JsonContent content) throws IOException {
        output.write(name, (OutputStream out) -> {
            try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
                content.writeTo(json);
            }
        });
    }
}
