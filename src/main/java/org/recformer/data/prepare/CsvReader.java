package org.recformer.data.prepare;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Records of a CSV file (RFC 4180): fields separated by commas, records by LF or CRLF; a field
 * in double quotes may hold commas, line breaks and doubled quotes ({@code ""}). A quote inside
 * an unquoted field is kept as text. A record with text after a closing quote, or a quote that
 * never closes, is malformed: {@link #next()} throws a {@link MalformedRecordException} and the
 * following call goes on at the next line.
 */
final class CsvReader implements Closeable {

    private static final int NONE = -2;

    private final BufferedReader in;
    private int pushedBack = NONE;
    private long line = 1;        // line of the next character
    private long recordLine;      // first line of the last record

    CsvReader(BufferedReader in) {
        this.in = in;
    }

    /** The 1-based line where the last record returned (or rejected) by {@link #next()} starts. */
    long recordLine() {
        return recordLine;
    }

    /** The next record's fields, or null at the end of the input. */
    List<String> next() throws IOException {
        recordLine = line;
        int c = read();
        if (c == -1) {
            return null;
        }
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            if (c == '"' && field.length() == 0) {
                readQuoted(field);
                c = read();
                if (c != ',' && c != '\n' && c != '\r' && c != -1) {
                    skipLine(c);
                    throw new MalformedRecordException("text after a closing quote");
                }
            } else {
                while (c != ',' && c != '\n' && c != '\r' && c != -1) {
                    field.append((char) c);
                    c = read();
                }
            }
            fields.add(field.toString());
            field.setLength(0);
            if (c == ',') {
                c = read();
                continue;
            }
            if (c == '\r') {
                int after = read();
                if (after != '\n') {
                    unread(after);
                }
            }
            return fields;
        }
    }

    /** Reads a quoted field's text after its opening quote, up to and including its closing quote. */
    private void readQuoted(StringBuilder field) throws IOException {
        while (true) {
            int c = read();
            if (c == -1) {
                throw new MalformedRecordException("a quoted field is not closed before the end of the file");
            }
            if (c == '"') {
                int after = read();
                if (after != '"') {
                    unread(after);
                    return;
                }
            }
            field.append((char) c);
        }
    }

    private void skipLine(int c) throws IOException {
        while (c != '\n' && c != -1) {
            c = read();
        }
    }

    private int read() throws IOException {
        int c;
        if (pushedBack != NONE) {
            c = pushedBack;
            pushedBack = NONE;
        } else {
            c = in.read();
        }
        if (c == '\n') {
            line++;
        }
        return c;
    }

    private void unread(int c) {
        if (c == '\n') {
            line--;
        }
        pushedBack = c;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
