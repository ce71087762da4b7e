package org.recformer.data.prepare;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.objects.Object2IntMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import org.recformer.data.Dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code recformer prepare amazon-pretrain}: the multi-category pretraining corpus of
 * docs/spec.md §6, as the public code builds it ({@code pretrain_data/*.py}). Items are the asins with a
 * title (present and not null) in some category's metadata and at least one review in some
 * category's review file; their attributes go to {@code meta_data.json} in order of first
 * appearance in the metadata files (a later line for the same asin replaces the attributes).
 * Every (user, category) pair with reviews of those items is one sequence, sorted by time, equal
 * times by asin; {@code train.json} holds the training categories' sequences and {@code dev.json}
 * the dev category's, each a list of asin lists, sequences in order of first appearance of their
 * user in the category's review file.
 *
 * <p>The files are streamed: memory grows with the number of distinct items and users, not with
 * the number of reviews (sequences are grouped on disk, see {@link SequenceSpill}).
 */
public final class AmazonPretrainPrepare {

    /** The seven training categories of the paper. */
    public static final List<String> DEFAULT_TRAIN_CATEGORIES = List.of("Automotive", "Cell_Phones_and_Accessories",
            "Clothing_Shoes_and_Jewelry", "Electronics", "Grocery_and_Gourmet_Food", "Home_and_Kitchen", "Movies_and_TV");
    /** The validation category of the paper. */
    public static final String DEFAULT_DEV_CATEGORY = "CDs_and_Vinyl";
    /** Users per block of sequences grouped in memory at once. */
    static final int DEFAULT_SEQUENCES_PER_PARTITION = 1 << 17;

    static final String TRAIN_FILE = "train.json";
    static final String DEV_FILE = "dev.json";
    /** Receives the malformed lines of second readings (already reported on the first). */
    private static final PrepareReport QUIET = new PrepareReport("second reading");

    /**
     * @param input folder of raw files: {@code <Category>_5.json.gz} (or {@code <Category>.json.gz},
     *     or either without .gz) and {@code meta_<Category>.json.gz} (or .json)
     * @param sequencesPerPartition users whose records are sorted in memory together
     */
    public record Options(Path input, Path output, List<String> trainCategories, String devCategory,
                          int sequencesPerPartition) {
        public Options {
            trainCategories = List.copyOf(trainCategories);
            if (trainCategories.isEmpty()) {
                throw new PrepareInputException("--train-categories must name at least one category");
            }
        }

        /** Options with the default partition size. */
        public Options(Path input, Path output, List<String> trainCategories, String devCategory) {
            this(input, output, trainCategories, devCategory, DEFAULT_SEQUENCES_PER_PARTITION);
        }
    }

    /** One category's two raw files. */
    record Category(String name, Path reviews, Path metadata) {
    }

    private AmazonPretrainPrepare() {
    }

    /** Runs the preparation and returns its report (also written as stats.json). */
    public static PrepareReport run(Options options) throws IOException {
        if (!Files.isDirectory(options.input())) {
            throw new PrepareInputException(options.input(), "input folder not found");
        }
        List<Category> train = new ArrayList<>();
        for (String name : options.trainCategories()) {
            train.add(category(options.input(), name));
        }
        Category dev = category(options.input(), options.devCategory());
        Set<Category> all = new LinkedHashSet<>(train);
        all.add(dev);

        PrepareReport report = new PrepareReport("amazon-pretrain");
        report.setting("input", options.input().toString());
        report.setting("train_categories", options.trainCategories());
        report.setting("dev_category", options.devCategory());

        Map<String, LinkedHashMap<String, String>> metadata = readItemMetadata(all, selectItems(all, report));
        try (OutputFolder output = new OutputFolder(options.output())) {
            DatasetWriter.writeJson(output, Dataset.METADATA_FILE, json -> {
                json.writeStartObject();
                for (Map.Entry<String, LinkedHashMap<String, String>> item : metadata.entrySet()) {
                    DatasetWriter.writeAttributes(json, item.getKey(), item.getValue());
                }
                json.writeEndObject();
            });
            SequenceWriter sequences = new SequenceWriter(metadata.keySet().toArray(String[]::new), output.directory(),
                    options.sequencesPerPartition());
            metadata.clear();
            Map<String, Object> categoryStats = new LinkedHashMap<>();
            long[] trainTotals = new long[2];
            DatasetWriter.writeJson(output, TRAIN_FILE, json -> {
                json.writeStartArray();
                for (Category category : train) {
                    long[] counts = sequences.write(category, json);
                    categoryStats.put(category.name(), Map.of("sequences", counts[0], "interactions", counts[1]));
                    trainTotals[0] += counts[0];
                    trainTotals[1] += counts[1];
                }
                json.writeEndArray();
            });
            long[][] devTotals = new long[1][];
            DatasetWriter.writeJson(output, DEV_FILE, json -> {
                json.writeStartArray();
                devTotals[0] = sequences.write(dev, json);
                json.writeEndArray();
            });
            report.count("items", sequences.asins.length);
            report.count("users", sequences.users.size());
            report.count("train_sequences", trainTotals[0]);
            report.count("train_interactions", trainTotals[1]);
            report.count("dev_sequences", devTotals[0][0]);
            report.count("dev_interactions", devTotals[0][1]);
            report.count("train_categories", categoryStats);
            report.drop("reviews_of_items_not_kept", sequences.droppedReviews);
            output.write(DatasetWriter.STATS_FILE, report::writeJson);
            output.commit();
        }
        return report;
    }

    /** The asins with a title in some metadata file and a review in some review file (first reading: reports malformed lines). */
    private static Set<String> selectItems(Set<Category> categories, PrepareReport report) throws IOException {
        Set<String> titled = new HashSet<>();
        long[] untitled = new long[1];
        for (Category category : categories) {
            JsonLines.read(category.metadata(), report, (line, item) -> {
                String asin = JsonLines.requiredString(item, "asin");
                if (hasTitle(item)) {
                    titled.add(asin);
                } else {
                    untitled[0]++;
                }
            });
        }
        report.drop("metadata_lines_without_title", untitled[0]);
        Set<String> selected = new HashSet<>();
        for (Category category : categories) {
            JsonLines.read(category.reviews(), report, (line, review) -> {
                String asin = Review.of(review).asin();
                if (titled.contains(asin)) {
                    selected.add(asin);
                }
            });
        }
        report.drop("titled_items_without_reviews", titled.size() - selected.size());
        return selected;
    }

    /** Attributes of the selected asins in order of first appearance; a later line replaces them. */
    private static Map<String, LinkedHashMap<String, String>> readItemMetadata(Set<Category> categories,
            Set<String> selected) throws IOException {
        Map<String, LinkedHashMap<String, String>> metadata = new LinkedHashMap<>();
        for (Category category : categories) {
            JsonLines.read(category.metadata(), QUIET, (line, item) -> {
                String asin = JsonLines.requiredString(item, "asin");
                if (hasTitle(item) && selected.contains(asin)) {
                    metadata.put(asin, AmazonPrepare.attributes(item));
                }
            });
        }
        return metadata;
    }

    private static boolean hasTitle(JsonNode item) {
        JsonNode title = item.get("title");
        return title != null && !title.isNull();
    }

    /** Writes categories' sequences of the kept items as lists of asins. */
    private static final class SequenceWriter {
        final String[] asins;                          // [items] in metadata order
        final Object2IntMap<String> itemIndex = new Object2IntOpenHashMap<>();
        final int[] asinRank;                          // [items] rank of the asin in sorted order
        final Path spillParent;
        final int sequencesPerPartition;
        final Set<String> users = new HashSet<>();     // distinct users with a kept review
        long droppedReviews;

        SequenceWriter(String[] asins, Path spillParent, int sequencesPerPartition) {
            this.asins = asins;
            itemIndex.defaultReturnValue(-1);
            for (int i = 0; i < asins.length; i++) {
                itemIndex.put(asins[i], i);
            }
            this.asinRank = asinRanks(asins);
            this.spillParent = spillParent;
            this.sequencesPerPartition = sequencesPerPartition;
        }

        /**
         * Streams one category's sequences into a JSON array being written.
         *
         * @return {sequences, interactions}
         */
        long[] write(Category category, JsonGenerator json) throws IOException {
            try (SequenceSpill spill = new SequenceSpill(spillParent, sequencesPerPartition)) {
                JsonLines.read(category.reviews(), QUIET, (line, object) -> {
                    Review review = Review.of(object);
                    int item = itemIndex.getInt(review.asin());
                    if (item < 0) {
                        droppedReviews++;
                        return;
                    }
                    users.add(review.user());
                    try {
                        spill.add(review.user(), item, review.time());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                spill.forEachSequence(asinRank, items -> {
                    json.writeStartArray();
                    for (int item : items) {
                        json.writeString(asins[item]);
                    }
                    json.writeEndArray();
                });
                return new long[] {spill.sequenceCount(), spill.recordCount()};
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }

    /** rank[i] = position of asins[i] in sorted order (ties of equal times are broken by asin). */
    private static int[] asinRanks(String[] asins) {
        int[] order = new int[asins.length];
        Arrays.setAll(order, i -> i);
        IntArrays.mergeSort(order, (a, b) -> asins[a].compareTo(asins[b])); // stable, like Arrays.sort of objects
        int[] rank = new int[asins.length];
        for (int r = 0; r < order.length; r++) {
            rank[order[r]] = r;
        }
        return rank;
    }

    /** The raw files of a category in the input folder. */
    static Category category(Path input, String name) {
        Path reviews = firstExisting(input, name + "_5.json.gz", name + "_5.json", name + ".json.gz", name + ".json");
        Path metadata = firstExisting(input, "meta_" + name + ".json.gz", "meta_" + name + ".json");
        if (reviews == null) {
            throw new PrepareInputException(input, "no review file for category \"" + name + "\" (looked for "
                    + name + "_5.json.gz, " + name + "_5.json, " + name + ".json.gz, " + name + ".json)");
        }
        if (metadata == null) {
            throw new PrepareInputException(input, "no metadata file for category \"" + name + "\" (looked for meta_"
                    + name + ".json.gz, meta_" + name + ".json)");
        }
        return new Category(name, reviews, metadata);
    }

    private static Path firstExisting(Path folder, String... names) {
        for (String name : names) {
            Path file = folder.resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        return null;
    }

    /** The fields of a review line that the corpus uses. */
    private record Review(String user, String asin, long time) {
        static Review of(JsonNode review) {
            return new Review(JsonLines.requiredString(review, "reviewerID"), JsonLines.requiredString(review, "asin"),
                    JsonLines.requiredLong(review, "unixReviewTime"));
        }
    }
}
