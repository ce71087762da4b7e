package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code recformer prepare amazon}: one category of the Amazon review data (2018) into the
 * Recformer layout, by the finetuning rules of docs/spec.md §6 (see {@link SequenceSplitter}).
 * Items keep {@code title}, {@code brand} and {@code category} (the category path joined with
 * single spaces), HTML entities unescaped; a missing field gives an empty attribute.
 */
public final class AmazonPrepare {

    /** Users need more than 3 reviews of items with metadata. */
    static final int MIN_REVIEWS = 4;

    /**
     * @param reviews the category's review file: {@code reviewerID}, {@code asin}, {@code unixReviewTime} per line
     * @param metadata the category's metadata file: {@code asin}, {@code title}, {@code brand}, {@code category} per line
     * @param output the dataset folder to write
     * @param sampleFraction share of the users to keep, in (0, 1]
     * @param seed seed of the user sample
     */
    public record Options(Path reviews, Path metadata, Path output, double sampleFraction, long seed) {
        public Options {
            if (!(sampleFraction > 0 && sampleFraction <= 1)) {
                throw new PrepareInputException("--sample-fraction must be in (0, 1], got " + sampleFraction);
            }
        }
    }

    private AmazonPrepare() {
    }

    /** Runs the preparation and returns its report (also written as stats.json). */
    public static PrepareReport run(Options options) throws IOException {
        InputFiles.requireFile(options.reviews());
        InputFiles.requireFile(options.metadata());
        PrepareReport report = new PrepareReport("amazon");
        report.setting("reviews", options.reviews().toString());
        report.setting("metadata", options.metadata().toString());
        report.setting("sample_fraction", options.sampleFraction());
        report.setting("seed", options.seed());

        UserHistories histories = new UserHistories();
        JsonLines.read(options.reviews(), report, (line, review) -> {
            String user = JsonLines.requiredString(review, "reviewerID");
            String item = JsonLines.requiredString(review, "asin");
            long time = JsonLines.requiredLong(review, "unixReviewTime");
            histories.add(user, item, time);
        });
        report.count("reviews_read", histories.eventCount());

        Set<String> reviewed = new HashSet<>();
        histories.byUser().values().forEach(events -> events.forEach(event -> reviewed.add(event.item())));
        Map<String, LinkedHashMap<String, String>> metadata = readMetadata(options.metadata(), reviewed, report);
        report.drop("reviews_of_items_without_metadata", histories.retainItems(metadata::containsKey));

        SequenceSplitter.Sequences sequences = SequenceSplitter.split(histories, MIN_REVIEWS,
                options.sampleFraction(), options.seed(), report);
        try (OutputFolder output = new OutputFolder(options.output())) {
            DatasetWriter.write(output, sequences, metadata::get, report);
        }
        return report;
    }

    /** Attributes of the wanted asins; a later line for the same asin replaces an earlier one. */
    static Map<String, LinkedHashMap<String, String>> readMetadata(Path file, Set<String> wanted, PrepareReport report)
            throws IOException {
        Map<String, LinkedHashMap<String, String>> metadata = new HashMap<>();
        JsonLines.read(file, report, (line, item) -> {
            String asin = JsonLines.requiredString(item, "asin");
            if (wanted.contains(asin)) {
                metadata.put(asin, attributes(item));
            }
        });
        return metadata;
    }

    /** {@code title}, {@code brand}, {@code category} of a metadata line, unescaped. */
    static LinkedHashMap<String, String> attributes(JsonNode item) {
        LinkedHashMap<String, String> attributes = new LinkedHashMap<>();
        for (String field : new String[] {"title", "brand", "category"}) {
            attributes.put(field, HtmlEntities.unescape(JsonLines.text(item, field)));
        }
        return attributes;
    }
}
