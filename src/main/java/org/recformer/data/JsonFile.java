package org.recformer.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A streaming parser over one file, with errors that name the file. */
final class JsonFile implements Closeable {
    private static final JsonFactory JSON = new JsonFactory();

    final Path file;
    final JsonParser parser;

    private JsonFile(Path file, JsonParser parser) {
        this.file = file;
        this.parser = parser;
    }

    static JsonFile open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetFormatException(file, null, "file is missing");
        }
        return new JsonFile(file, JSON.createParser(file.toFile()));
    }

    JsonToken next() throws IOException {
        try {
            return parser.nextToken();
        } catch (StreamReadException e) {
            throw new DatasetFormatException(file, null, "not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    /** The current string's text; bytes that are not UTF-8 are a {@link DatasetFormatException} naming the file. */
    String text() throws IOException {
        try {
            return parser.getText();
        } catch (StreamReadException e) {
            throw located(e);
        }
    }

    /** The current number as a long; one beyond the range of a long is a {@link DatasetFormatException} naming the file. */
    long longValue() throws IOException {
        try {
            return parser.getLongValue();
        } catch (StreamReadException e) {
            throw located(e);
        }
    }

    private DatasetFormatException located(StreamReadException e) {
        return new DatasetFormatException(file, null, e.getOriginalMessage() + " (line " + e.getLocation().getLineNr()
                + ", column " + e.getLocation().getColumnNr() + ")");
    }

    void startObject(String key) throws IOException {
        if (next() != JsonToken.START_OBJECT) {
            throw fail(key, "expected a JSON object, found " + describeToken());
        }
    }

    /** The next field name of the current object, or null at its end. */
    String nextKey() throws IOException {
        JsonToken token = next();
        if (token == JsonToken.END_OBJECT) {
            return null;
        }
        if (token != JsonToken.FIELD_NAME) {
            throw fail(null, "malformed JSON object near line " + parser.currentLocation().getLineNr());
        }
        return parser.currentName();
    }

    void expectEnd() throws IOException {
        if (next() != null) {
            throw fail(null, "unexpected content after the top-level object");
        }
    }

    String describeToken() {
        JsonToken token = parser.currentToken();
        if (token == null) {
            return "end of file";
        }
        return switch (token) {
            case VALUE_STRING -> "string \"" + abbreviate(getTextQuietly()) + "\"";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number " + getTextQuietly();
            case VALUE_NULL -> "null";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case START_ARRAY -> "a list";
            case START_OBJECT -> "an object";
            default -> token.toString();
        };
    }

    private String getTextQuietly() {
        try {
            return parser.getText();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    DatasetFormatException fail(String key, String reason) {
        return new DatasetFormatException(file, key, reason);
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
