package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the rows of an input table by column name: a CSV file with a header row, or, when the
 * file name contains ".json", a JSON-lines file (one object per line; a field that is a list
 * gives its elements joined with single spaces). Either may be gzip-compressed.
 */
final class TableReader {

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
        try (CsvReader csv = new CsvReader(InputFiles.open(file))) {
            List<String> header;
            try {
                header = csv.next();
            } catch (MalformedRecordException e) {
                throw new PrepareInputException(file, "malformed header line: " + e.getMessage());
            }
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
                List<String> fields;
                try {
                    fields = csv.next();
                } catch (MalformedRecordException e) {
                    report.malformed(file, csv.recordLine(), e.getMessage());
                    continue;
                }
                if (fields == null) {
                    return;
                }
                if (fields.size() == 1 && fields.get(0).isEmpty()) {
                    continue; // blank line
                }
                if (fields.size() != header.size()) {
                    report.malformed(file, csv.recordLine(),
                            "expected " + header.size() + " fields, found " + fields.size());
                    continue;
                }
                String[] values = new String[indexes.length];
                for (int i = 0; i < indexes.length; i++) {
                    values[i] = fields.get(indexes[i]);
                }
                try {
                    handler.row(csv.recordLine(), values);
                } catch (MalformedRecordException e) {
                    report.malformed(file, csv.recordLine(), e.getMessage());
                }
            }
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
