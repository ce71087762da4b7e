package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads the rows of an input table by column name: a CSV file with a header row (RFC 4180, read
 * by Commons CSV: quoted fields may hold commas, doubled quotes and line breaks), or, when the
 * file name contains ".json", a JSON-lines file (one object per line; a field that is a list
 * gives its elements joined with single spaces). Either may be gzip-compressed. A row with the
 * wrong number of fields or a value its handler rejects costs that row only and is reported
 * with its line number; a record that breaks the CSV quoting rules stops the run.
 */
final class TableReader {

    /** RFC 4180; blank lines are kept as records (and skipped here) so that line numbers stay exact. */
    private static final CSVFormat CSV_FORMAT = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(false).get();

    /**
     * Receives one row.
     *
     * @param values the requested columns' values, in the requested order; null where a JSON
     *     line lacks the field (or holds null)
     */
    interface RowHandler {
        void row(long line, String[] values);
    }

    private TableReader() {
    }

    static void read(Path file, List<String> columns, PrepareReport report, RowHandler handler) throws IOException {
        InputFiles.requireFile(file);
        if (file.getFileName().toString().contains(".json")) {
            readJsonLines(file, columns, report, handler);
        } else {
            readCsv(file, columns, report, handler);
        }
    }

    private static void readCsv(Path file, List<String> columns, PrepareReport report, RowHandler handler)
            throws IOException {
        try (CSVParser csv = CSVParser.builder().setReader(InputFiles.open(file)).setFormat(CSV_FORMAT).get()) {
            Iterator<CSVRecord> records = csv.iterator();
            List<String> header = nextRecord(file, csv, records);
            if (header == null) {
                throw new PrepareInputException(file, "empty file, expected a header line");
            }
            if (!header.isEmpty() && header.get(0).startsWith("\uFEFF")) {
                header.set(0, header.get(0).substring(1));
            }
            int[] indexes = new int[columns.size()];
            for (int i = 0; i < indexes.length; i++) {
                indexes[i] = header.indexOf(columns.get(i));
                if (indexes[i] < 0) {
                    throw new PrepareInputException(file, "no column \"" + columns.get(i) + "\" in the header (columns: "
                            + String.join(", ", header) + ")");
                }
            }
            while (true) {
                long line = csv.getCurrentLineNumber() + 1;
                List<String> fields = nextRecord(file, csv, records);
                if (fields == null) {
                    return;
                }
                if (fields.size() == 1 && fields.get(0).isEmpty()) {
                    continue; // blank line
                }
                if (fields.size() != header.size()) {
                    report.malformed(file, line, "expected " + header.size() + " fields, found " + fields.size());
                    continue;
                }
                String[] values = new String[indexes.length];
                for (int i = 0; i < indexes.length; i++) {
                    values[i] = fields.get(indexes[i]);
                }
                try {
                    handler.row(line, values);
                } catch (MalformedRecordException e) {
                    report.malformed(file, line, e.getMessage());
                }
            }
        }
    }

    /**
     * The next record's fields, or null at the end. A record the CSV rules cannot read (a quote
     * that never closes, text after a closing quote) stops the run naming the file and the line
     * where that record starts: reading on from there would guess where the rows resume.
     */
    private static List<String> nextRecord(Path file, CSVParser csv, Iterator<CSVRecord> records) {
        long line = csv.getCurrentLineNumber() + 1;
        try {
            return records.hasNext() ? new ArrayList<>(records.next().toList()) : null;
        } catch (UncheckedIOException e) {
            String cause = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
            throw new PrepareInputException(file, "line " + line + ": not a valid CSV record (" + cause + "); nothing"
                    + " after it can be read reliably (an unclosed or stray quote?): fix or remove that row");
        }
    }

    private static void readJsonLines(Path file, List<String> columns, PrepareReport report, RowHandler handler)
            throws IOException {
        boolean[] seen = new boolean[columns.size()];
        JsonLines.read(file, report, (line, object) -> {
            String[] values = new String[columns.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode value = object.get(columns.get(i));
                if (value != null && !value.isNull()) {
                    values[i] = JsonLines.text(object, columns.get(i));
                    seen[i] = true;
                }
            }
            handler.row(line, values);
        });
        List<String> absent = new ArrayList<>();
        for (int i = 0; i < seen.length; i++) {
            if (!seen[i]) {
                absent.add("\"" + columns.get(i) + "\"");
            }
        }
        if (!absent.isEmpty()) {
            throw new PrepareInputException(file, "no line has the field " + String.join(", ", absent));
        }
    }
}
