package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@code prepare} run did: its settings, the resulting counts, the records it dropped and
 * why, and the malformed input lines (with line numbers). Printed as a summary and written as
 * {@code stats.json}.
 */
public final class PrepareReport {

    /** How many malformed lines per file are listed by line number (all are counted). */
    static final int LISTED_MALFORMED_LINES = 20;

    private final String command;
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private final Map<String, Object> counts = new LinkedHashMap<>();
    private final Map<String, Long> dropped = new LinkedHashMap<>();
    private final Map<String, MalformedLines> malformed = new LinkedHashMap<>();

    PrepareReport(String command) {
        this.command = command;
    }

    /** Records an input or option of the run (file names, seed, ...). */
    void setting(String name, Object value) {
        settings.put(name, value);
    }

    /** Records a result count (users, items, interactions, ...). */
    void count(String name, Object value) {
        counts.put(name, value);
    }

    /** Adds {@code amount} to the number of records dropped for {@code reason} (a snake_case key). */
    void drop(String reason, long amount) {
        dropped.merge(reason, amount, Long::sum);
    }

    /** Records one malformed line of a file (1-based line number). */
    void malformed(Path file, long line, String reason) {
        malformed.computeIfAbsent(file.toString(), f -> new MalformedLines()).add(line, reason);
    }

    /** A result count recorded with {@link #count}, or null. */
    public Object count(String name) {
        return counts.get(name);
    }

    /** The number of records dropped for a reason (0 if none). */
    public long dropped(String reason) {
        return dropped.getOrDefault(reason, 0L);
    }

    /** The number of malformed lines counted in a file. */
    public long malformedLines(Path file) {
        MalformedLines lines = malformed.get(file.toString());
        return lines == null ? 0 : lines.count;
    }

    /** What was dropped and how many lines were malformed, on one line (for an error that nothing is left). */
    String dropsOnOneLine() {
        List<String> parts = new ArrayList<>();
        counts.forEach((name, value) -> parts.add(name + " " + value));
        dropped.forEach((reason, amount) -> parts.add("dropped " + reason + " " + amount));
        malformed.forEach((file, lines) -> parts.add("malformed lines in " + file + " " + lines.count));
        return String.join(", ", parts);
    }

    /** Human-readable summary, several lines. */
    public String summary() {
        StringBuilder text = new StringBuilder("recformer prepare ").append(command).append('\n');
        counts.forEach((name, value) -> text.append("  ").append(name).append(": ").append(value).append('\n'));
        if (dropped.isEmpty()) {
            text.append("  dropped: nothing\n");
        } else {
            text.append("  dropped:\n");
            dropped.forEach((reason, amount) -> text.append("    ").append(reason).append(": ").append(amount).append('\n'));
        }
        malformed.forEach((file, lines) -> {
            text.append("  malformed lines in ").append(file).append(": ").append(lines.count).append('\n');
            for (Map<String, Object> line : lines.listed) {
                text.append("    line ").append(line.get("line")).append(": ").append(line.get("reason")).append('\n');
            }
            if (lines.count > lines.listed.size()) {
                text.append("    ... (").append(lines.count - lines.listed.size()).append(" more)\n");
            }
        });
        return text.toString();
    }

    /** Writes the report as a JSON object. */
    void writeJson(OutputStream out) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", "prepare " + command);
        json.put("settings", settings);
        json.putAll(counts);
        json.put("dropped", dropped);
        Map<String, Object> malformedJson = new LinkedHashMap<>();
        malformed.forEach((file, lines) -> malformedJson.put(file, Map.of("count", lines.count, "lines", lines.listed)));
        json.put("malformed_lines", malformedJson);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out, json);
    }

    private static final class MalformedLines {
        long count;
        final List<Map<String, Object>> listed = new ArrayList<>();

        void add(long line, String reason) {
            count++;
            if (listed.size() < LISTED_MALFORMED_LINES) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("line", line);
                entry.put("reason", reason);
                listed.add(entry);
            }
        }
    }
}
