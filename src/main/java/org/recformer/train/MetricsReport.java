package org.recformer.train;

import org.recformer.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The final metrics of a run: a text table (model beside the popularity baseline, validation and
 * test) and {@code metrics.json}: {@code {"test": {...}, "validation": {...}, "popularity":
 * {"test": {...}, "validation": {...}}}}.
 */
public record MetricsReport(Map<String, Double> validation, Map<String, Double> test,
                            Map<String, Double> popularityValidation, Map<String, Double> popularityTest) {
    public static final String FILE_NAME = "metrics.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The table, one metric per row, columns model / popularity for validation and test. */
    public List<String> table() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-10s | %10s %10s | %10s %10s", "metric", "val model", "val pop", "test model", "test pop"));
        lines.add("-".repeat(10) + "-+-" + "-".repeat(21) + "-+-" + "-".repeat(21));
        for (String metric : test.keySet()) {
            lines.add(String.format(Locale.ROOT, "%-10s | %10.4f %10.4f | %10.4f %10.4f", metric, validation.get(metric),
                    popularityValidation.get(metric), test.get(metric), popularityTest.get(metric)));
        }
        return lines;
    }

    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.set("test", JSON.valueToTree(test));
        root.set("validation", JSON.valueToTree(validation));
        ObjectNode popularity = root.putObject("popularity");
        popularity.set("test", JSON.valueToTree(popularityTest));
        popularity.set("validation", JSON.valueToTree(popularityValidation));
        return root;
    }

    /** Writes {@code metrics.json} into {@code dir} (atomically). */
    public Path write(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        byte[] json = JSON.writeValueAsBytes(toJson());
        AtomicFiles.write(file, out -> out.write(json));
        return file;
    }
}
