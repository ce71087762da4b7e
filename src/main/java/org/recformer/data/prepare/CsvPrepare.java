package org.recformer.data.prepare;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code recformer prepare csv}: any interaction table (user, item, time columns) plus an item
 * table (id and attribute columns) into the Recformer layout, by the same rules as
 * {@link AmazonPrepare} without the user sample: interactions of items missing from the item
 * table are dropped, users need at least {@code minInteractions} interactions.
 */
public final class CsvPrepare {

    /**
     * @param interactions table of interactions (CSV with a header, or JSON lines)
     * @param userColumn column of the raw user id
     * @param itemColumn column of the raw item id
     * @param timeColumn column of the time: an integer (e.g. Unix seconds); only its order matters
     * @param items table of items (CSV with a header, or JSON lines)
     * @param itemIdColumn column of the raw item id in the item table
     * @param attributes item-table columns that become the item's attributes, in this order
     * @param minInteractions users with fewer interactions are dropped; at least 3
     * @param valueSeparator when not null, attribute values are split at this text and the
     *     non-empty parts joined with single spaces (e.g. "|" for MovieLens genres)
     * @param output the dataset folder to write
     */
    public record Options(Path interactions, String userColumn, String itemColumn, String timeColumn,
                          Path items, String itemIdColumn, List<String> attributes, int minInteractions,
                          String valueSeparator, Path output) {
        public Options {
            attributes = List.copyOf(attributes);
            if (attributes.isEmpty()) {
                throw new PrepareInputException("--attributes must name at least one item-table column");
            }
            if (minInteractions < 3) {
                throw new PrepareInputException("--min-interactions must be at least 3 (train, validation and test"
                        + " items), got " + minInteractions);
            }
            if (valueSeparator != null && valueSeparator.isEmpty()) {
                throw new PrepareInputException("--value-separator must not be empty");
            }
        }
    }

    private CsvPrepare() {
    }

    /** Runs the preparation and returns its report (also written as stats.json). */
    public static PrepareReport run(Options options) throws IOException {
        InputFiles.requireFile(options.interactions());
        InputFiles.requireFile(options.items());
        PrepareReport report = new PrepareReport("csv");
        report.setting("interactions", options.interactions().toString());
        report.setting("items", options.items().toString());
        report.setting("attributes", options.attributes());
        report.setting("min_interactions", options.minInteractions());
        report.setting("value_separator", options.valueSeparator());

        Map<String, LinkedHashMap<String, String>> items = readItems(options, report);
        UserHistories histories = new UserHistories();
        long[] read = new long[1];
        long[] withoutItem = new long[1];
        TableReader.read(options.interactions(),
                List.of(options.userColumn(), options.itemColumn(), options.timeColumn()), report, (line, row) -> {
                    String user = required(row[0], options.userColumn(), options.interactions(), line);
                    String item = required(row[1], options.itemColumn(), options.interactions(), line);
                    long time = parseTime(required(row[2], options.timeColumn(), options.interactions(), line),
                            options.timeColumn());
                    read[0]++;
                    if (items.containsKey(item)) {
                        histories.add(user, item, time);
                    } else {
                        withoutItem[0]++;
                    }
                });
        report.count("interactions_read", read[0]);
        report.drop("interactions_of_items_missing_from_the_item_table", withoutItem[0]);

        SequenceSplitter.Sequences sequences = SequenceSplitter.split(histories, options.minInteractions(), 1.0, 0,
                report);
        try (OutputFolder output = new OutputFolder(options.output())) {
            DatasetWriter.write(output, sequences, items::get, report);
        }
        return report;
    }

    /** Attributes by raw item id; a later row for the same id replaces an earlier one. */
    private static Map<String, LinkedHashMap<String, String>> readItems(Options options, PrepareReport report)
            throws IOException {
        List<String> columns = new ArrayList<>();
        columns.add(options.itemIdColumn());
        columns.addAll(options.attributes());
        Pattern separator = options.valueSeparator() == null ? null : Pattern.compile(Pattern.quote(options.valueSeparator()));
        Map<String, LinkedHashMap<String, String>> items = new HashMap<>();
        long[] replaced = new long[1];
        TableReader.read(options.items(), columns, report, (line, row) -> {
            String id = required(row[0], options.itemIdColumn(), options.items(), line);
            LinkedHashMap<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < options.attributes().size(); i++) {
                String value = row[i + 1] == null ? "" : row[i + 1];
                if (separator != null) {
                    value = String.join(" ", separator.splitAsStream(value)
                            .filter(part -> !part.isEmpty()).toList());
                }
                attributes.put(options.attributes().get(i), value);
            }
            if (items.put(id, attributes) != null) {
                replaced[0]++;
            }
        });
        report.count("item_rows_read", items.size() + replaced[0]);
        report.drop("item_rows_replaced_by_a_later_row_with_the_same_id", replaced[0]);
        return items;
    }

    /**
     * A non-empty id or time value. One holding a line break is a quote opened on {@code line} and
     * closed rows later, which swallowed the rows between: that stops the run rather than lose them.
     */
    private static String required(String value, String column, Path file, long line) {
        if (value == null || value.isEmpty()) {
            throw new MalformedRecordException("empty \"" + column + "\"");
        }
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new PrepareInputException(file, "line " + line + ": \"" + column + "\" holds a line break: a quote"
                    + " opened on that line closes only on a later line, taking the rows between (an unclosed quote?);"
                    + " fix that row");
        }
        return value;
    }

    private static long parseTime(String value, String column) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new MalformedRecordException("\"" + column + "\" value \"" + value + "\" is not an integer");
        }
    }
}
