package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.testing.CommandRun;
import org.recformer.testing.SharedFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AmazonPretrainPrepareTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] OUTPUT_FILES = {"meta_data.json", "train.json", "dev.json"};

    @TempDir
    Path dir;

    /** (time, asin) of one review, for the test's own grouping. */
    record Event(long time, String asin) {
    }

    /** Sequences per user in order of first appearance, sorted by time then asin. */
    private static List<List<String>> expectedSequences(Path reviews) throws IOException {
        Map<String, List<Event>> byUser = new LinkedHashMap<>();
        try (BufferedReader reader = InputFiles.open(reviews)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                JsonNode review = MAPPER.readTree(line);
                byUser.computeIfAbsent(review.get("reviewerID").asText(), u -> new ArrayList<>())
                        .add(new Event(review.get("unixReviewTime").asLong(), review.get("asin").asText()));
            }
        }
        List<List<String>> sequences = new ArrayList<>();
        for (List<Event> events : byUser.values()) {
            events.sort(Comparator.comparingLong(Event::time).thenComparing(Event::asin));
            sequences.add(events.stream().map(Event::asin).toList());
        }
        return sequences;
    }

    private static List<List<String>> readSequences(Path file) throws IOException {
        return MAPPER.readValue(file.toFile(), MAPPER.getTypeFactory().constructCollectionType(List.class,
                MAPPER.getTypeFactory().constructCollectionType(List.class, String.class)));
    }

    @Test
    void giftCardsAsTrainingAndDevCategory() throws IOException {
        Path raw = SharedFiles.dataFolder("amazon-raw");
        Path output = dir.resolve("corpus");
        CommandRun run = PrepareTesting.run("prepare", "amazon-pretrain", "--input", raw.toString(),
                "--output", output.toString(), "--train-categories", "Gift_Cards", "--dev-category", "Gift_Cards");
        assertEquals(0, run.status(), run.err());
        // Every Gift Cards review's item has a titled metadata line: 458 users, 148 items, 2,972 reviews.
        List<List<String>> expected = expectedSequences(raw.resolve("Gift_Cards_5.json.gz"));
        assertEquals(458, expected.size());
        assertEquals(expected, readSequences(output.resolve("train.json")));
        assertEquals(expected, readSequences(output.resolve("dev.json")));
        JsonNode metadata = MAPPER.readTree(output.resolve("meta_data.json").toFile());
        Set<String> reviewed = new HashSet<>();
        expected.forEach(reviewed::addAll);
        assertEquals(148, metadata.size());
        metadata.fieldNames().forEachRemaining(asin -> assertTrue(reviewed.contains(asin), asin));
        JsonNode stats = MAPPER.readTree(output.resolve("stats.json").toFile());
        assertEquals(2972, stats.get("train_interactions").asInt());
        assertEquals(458, stats.get("users").asInt());
        assertEquals(1547 - 148, stats.get("dropped").get("titled_items_without_reviews").asInt());
    }

    @Test
    void severalCategoriesFileNamesRulesAndPartitionsOnDisk() throws IOException {
        Path raw = SharedFiles.dataFolder("amazon-raw");
        Path input = Files.createDirectory(dir.resolve("raw"));
        Files.copy(raw.resolve("Gift_Cards_5.json.gz"), input.resolve("Alpha_5.json.gz"));
        Files.copy(raw.resolve("meta_Gift_Cards.json.gz"), input.resolve("meta_Alpha.json.gz"));
        // Beta: the full-file name and plain JSON lines.
        try (BufferedReader reader = InputFiles.open(raw.resolve("Gift_Cards_5.json.gz"))) {
            Files.write(input.resolve("Beta.json"), reader.lines().toList());
        }
        PrepareTesting.writeLines(input.resolve("meta_Beta.json"),
                "{\"asin\": \"G1\", \"title\": \"Gamma &amp; one\", \"category\": [\"X\", \"Y\"]}");
        PrepareTesting.writeGzipLines(input.resolve("Gamma_5.json.gz"),
                "{\"reviewerID\": \"v\", \"asin\": \"G3\", \"unixReviewTime\": 5}",
                "{\"reviewerID\": \"w\", \"asin\": \"G2\", \"unixReviewTime\": 9}",
                "{\"reviewerID\": \"v\", \"asin\": \"G1\", \"unixReviewTime\": 5}",
                "{\"reviewerID\": \"v\", \"asin\": \"G4\", \"unixReviewTime\": 1}",
                "{\"reviewerID\": \"v\", \"asin\": \"NOMETA\", \"unixReviewTime\": 0}",
                "{\"reviewerID\": \"v\", \"unixReviewTime\": 0}",
                "{\"reviewerID\": \"w\", \"asin\": \"G1\", \"unixReviewTime\": 2}");
        PrepareTesting.writeGzipLines(input.resolve("meta_Gamma.json.gz"),
                "{\"asin\": \"G2\", \"brand\": \"no title\"}",
                "{\"asin\": \"G3\", \"title\": \"three\", \"brand\": \"b\", \"category\": [\"C\"]}",
                "{\"asin\": \"G4\", \"title\": null}",
                "not json",
                "{\"asin\": \"G1\", \"title\": \"one, again\", \"brand\": \"later line wins\"}",
                "{\"asin\": \"G5\", \"title\": \"never reviewed\"}");

        Path small = dir.resolve("small-partitions");
        PrepareReport report = AmazonPretrainPrepare.run(new AmazonPretrainPrepare.Options(input, small,
                List.of("Alpha", "Beta"), "Gamma", 7));
        List<List<String>> giftCards = expectedSequences(raw.resolve("Gift_Cards_5.json.gz"));
        List<List<String>> bothCategories = new ArrayList<>(giftCards);
        bothCategories.addAll(giftCards);
        assertEquals(bothCategories, readSequences(small.resolve("train.json")));
        // G2 and G4 have no title, NOMETA no metadata; v's G1 and G3 share time 5: asin order.
        assertEquals(List.of(List.of("G1", "G3"), List.of("G1")), readSequences(small.resolve("dev.json")));
        JsonNode metadata = MAPPER.readTree(small.resolve("meta_data.json").toFile());
        assertEquals(150, metadata.size());
        List<String> order = new ArrayList<>();
        metadata.fieldNames().forEachRemaining(order::add);
        assertEquals(List.of("G1", "G3"), order.subList(148, 150), "order of first appearance in the metadata files");
        assertEquals("{\"title\":\"one, again\",\"brand\":\"later line wins\",\"category\":\"\"}", metadata.get("G1").toString());

        assertEquals(3, report.dropped("reviews_of_items_not_kept"));
        assertEquals(2, report.dropped("metadata_lines_without_title"));
        assertEquals(1, report.malformedLines(input.resolve("meta_Gamma.json.gz")));
        assertEquals(1, report.malformedLines(input.resolve("Gamma_5.json.gz")), "reported once, not per reading");
        assertEquals(458 + 2, ((Number) report.count("users")).intValue());
        assertEquals(2 * 2972L, ((Number) report.count("train_interactions")).longValue());

        Path large = dir.resolve("one-partition");
        AmazonPretrainPrepare.run(new AmazonPretrainPrepare.Options(input, large, List.of("Alpha", "Beta"), "Gamma"));
        for (String name : OUTPUT_FILES) {
            assertArrayEquals(Files.readAllBytes(large.resolve(name)), Files.readAllBytes(small.resolve(name)), name);
        }
        try (var files = Files.list(small)) {
            assertEquals(List.of("dev.json", "meta_data.json", "stats.json", "train.json"),
                    files.map(file -> file.getFileName().toString()).sorted().toList(), "no spill files left");
        }
    }

    @Test
    void missingCategoryGivesOneMessageAndStatusTwo() {
        CommandRun run = PrepareTesting.run("prepare", "amazon-pretrain", "--input", dir.toString(),
                "--output", dir.resolve("out").toString(), "--train-categories", "Books", "--dev-category", "Books");
        assertEquals(2, run.status());
        assertEquals("recformer prepare amazon-pretrain: " + dir + ": no review file for category \"Books\" (looked for"
                + " Books_5.json.gz, Books_5.json, Books.json.gz, Books.json)", run.err().strip());
    }
}
