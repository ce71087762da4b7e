package org.recformer.data.prepare;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads a file of one JSON object per line (gzip or plain). A line that is not a JSON object, or
 * that its handler rejects with a {@link MalformedRecordException}, is recorded in the report with
 * its line number, and reading goes on. Blank lines are skipped.
 */
final class JsonLines {

    /** Receives each JSON object with its 1-based line number. */
    interface Handler {
        void accept(long line, JsonNode object);
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonLines() {
    }

    static void read(Path file, PrepareReport report, Handler handler) throws IOException {
        try (BufferedReader reader = InputFiles.open(file)) {
            long lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode object;
                try {
                    object = MAPPER.readTree(line);
                } catch (JsonProcessingException e) {
                    report.malformed(file, lineNumber, "not valid JSON: " + e.getOriginalMessage());
                    continue;
                }
                if (object == null || !object.isObject()) {
                    report.malformed(file, lineNumber, "not a JSON object");
                    continue;
                }
                try {
                    handler.accept(lineNumber, object);
                } catch (MalformedRecordException e) {
                    report.malformed(file, lineNumber, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** A required non-empty string field, or a {@link MalformedRecordException}. */
    static String requiredString(JsonNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            throw new MalformedRecordException("missing \"" + field + "\"");
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new MalformedRecordException("\"" + field + "\" is not a non-empty string");
        }
        return value.asText();
    }

    /** A required integer field, or a {@link MalformedRecordException}. */
    static long requiredLong(JsonNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            throw new MalformedRecordException("missing \"" + field + "\"");
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new MalformedRecordException("\"" + field + "\" is not an integer");
        }
        return value.asLong();
    }

    /**
     * An optional field as text: missing or null gives "", a list gives its elements joined with
     * single spaces, other values their JSON text.
     */
    static String text(JsonNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return "";
        }
        if (value.isArray()) {
            StringBuilder joined = new StringBuilder();
            for (int i = 0; i < value.size(); i++) {
                JsonNode element = value.get(i);
                if (i > 0) {
                    joined.append(' ');
                }
                joined.append(element.isValueNode() ? element.asText() : element.toString());
            }
            return joined.toString();
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }
}
