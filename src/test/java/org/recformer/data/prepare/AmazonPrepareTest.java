package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.data.Dataset;
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
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AmazonPrepareTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern ENTITY = Pattern.compile("&(#\\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);");

    @TempDir
    Path dir;

    /** One raw review, read by the test itself. */
    record Review(String user, String asin, long time) {
    }

    private static List<Review> readReviews(Path file) throws IOException {
        List<Review> reviews = new ArrayList<>();
        try (BufferedReader reader = InputFiles.open(file)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                JsonNode review = MAPPER.readTree(line);
                reviews.add(new Review(review.get("reviewerID").asText(), review.get("asin").asText(),
                        review.get("unixReviewTime").asLong()));
            }
        }
        return reviews;
    }

    /** Each user's asins in the rules' order: stable sort by time. */
    private static Map<String, List<String>> expectedSequences(List<Review> reviews) {
        Map<String, List<Review>> byUser = new LinkedHashMap<>();
        for (Review review : reviews) {
            byUser.computeIfAbsent(review.user(), u -> new ArrayList<>()).add(review);
        }
        Map<String, List<String>> sequences = new LinkedHashMap<>();
        byUser.forEach((user, list) -> {
            List<Review> sorted = new ArrayList<>(list);
            sorted.sort(Comparator.comparingLong(Review::time));
            sequences.put(user, sorted.stream().map(Review::asin).toList());
        });
        return sequences;
    }

    private static List<String> rawSequence(Dataset data, int user) {
        List<String> asins = new ArrayList<>();
        for (int[] part : new int[][] {data.train(user), data.validation(user), data.test(user)}) {
            for (int item : part) {
                asins.add(data.rawItemId(item));
            }
        }
        return asins;
    }

    private Dataset prepareGiftCards(String output, String... extra) throws IOException {
        Path raw = SharedFiles.dataFolder("amazon-raw");
        List<String> args = new ArrayList<>(List.of("prepare", "amazon",
                "--reviews", raw.resolve("Gift_Cards_5.json.gz").toString(),
                "--meta", raw.resolve("meta_Gift_Cards.json.gz").toString(),
                "--output", dir.resolve(output).toString()));
        args.addAll(List.of(extra));
        CommandRun run = PrepareTesting.run(args.toArray(String[]::new));
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("users: "), run.out());
        return Dataset.load(dir.resolve(output));
    }

    @Test
    void giftCardsWithEveryUserFollowTheRules() throws IOException {
        Dataset data = prepareGiftCards("all", "--sample-fraction", "1.0");
        // data/README.md: 2,972 reviews, 458 users, 148 reviewed items; every item has metadata
        // and the 5-core file gives every user at least 5 reviews, so nothing is dropped.
        assertEquals(458, data.userCount());
        assertEquals(148, data.itemCount());
        assertEquals(2972, data.interactionCount());

        Path raw = SharedFiles.dataFolder("amazon-raw");
        List<Review> reviews = readReviews(raw.resolve("Gift_Cards_5.json.gz"));
        Map<String, List<String>> expected = expectedSequences(reviews);
        // Users are numbered in order of first appearance in the review file.
        assertEquals(List.copyOf(expected.keySet()), userOrder(data));
        for (int user = 0; user < data.userCount(); user++) {
            assertTrue(data.train(user).length >= 2, "more than 3 reviews per user");
            assertEquals(1, data.validation(user).length);
            assertEquals(1, data.test(user).length);
            assertEquals(expected.get(data.rawUserId(user)), rawSequence(data, user), "user " + user);
        }
        // Items are numbered in order of first appearance walking users by id, each in file order.
        List<String> itemOrder = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String user : expected.keySet()) {
            for (Review review : reviews) {
                if (review.user().equals(user) && seen.add(review.asin())) {
                    itemOrder.add(review.asin());
                }
            }
        }
        for (int item = 0; item < data.itemCount(); item++) {
            assertEquals(itemOrder.get(item), data.rawItemId(item), "item " + item);
        }

        JsonNode stats = MAPPER.readTree(dir.resolve("all/stats.json").toFile());
        assertEquals(458, stats.get("users").asInt());
        assertEquals(148, stats.get("items").asInt());
        assertEquals(2972, stats.get("interactions").asInt());
        assertEquals(2972 - 2 * 458, stats.get("train_interactions").asInt());
    }

    private static List<String> userOrder(Dataset data) {
        List<String> users = new ArrayList<>();
        for (int user = 0; user < data.userCount(); user++) {
            users.add(data.rawUserId(user));
        }
        return users;
    }

    @Test
    void giftCardsAttributesAreUnescapedTitleBrandCategory() throws IOException {
        Dataset data = prepareGiftCards("all", "--sample-fraction", "1.0");
        Map<String, JsonNode> metadata = new LinkedHashMap<>();
        try (BufferedReader reader = InputFiles.open(SharedFiles.dataFolder("amazon-raw").resolve("meta_Gift_Cards.json.gz"))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                JsonNode item = MAPPER.readTree(line);
                metadata.put(item.get("asin").asText(), item);
            }
        }
        int escapedTitles = 0;
        for (int item = 0; item < data.itemCount(); item++) {
            Map<String, String> attributes = data.itemAttributes().get(item);
            assertEquals(List.of("title", "brand", "category"), List.copyOf(attributes.keySet()));
            JsonNode raw = metadata.get(data.rawItemId(item));
            List<String> path = new ArrayList<>();
            raw.get("category").forEach(level -> path.add(level.asText()));
            assertEquals(String.join(" ", path), attributes.get("category"));
            String rawTitle = raw.get("title").asText();
            if (rawTitle.contains("&#39;")) {
                escapedTitles++;
                assertEquals(rawTitle.replace("&#39;", "'").replace("&amp;", "&"), attributes.get("title"));
            }
            for (String value : attributes.values()) {
                assertFalse(ENTITY.matcher(value).find(), value);
            }
        }
        assertTrue(escapedTitles > 0, "the Gift Cards titles use &#39;");
    }

    @Test
    void sampleFractionKeepsASeededSubsetOfUsersWithTheirWholeSequences() throws IOException {
        Dataset all = prepareGiftCards("all", "--sample-fraction", "1.0");
        Dataset sample = prepareGiftCards("sample", "--sample-fraction", "0.2", "--seed", "42");
        Dataset again = prepareGiftCards("again", "--seed", "42"); // 0.2 is the default
        Dataset otherSeed = prepareGiftCards("other", "--sample-fraction", "0.2", "--seed", "7");

        // Binomial(458, 0.2): mean 91.6, standard deviation 8.6; allow four deviations.
        assertTrue(sample.userCount() > 57 && sample.userCount() < 126, "sampled users: " + sample.userCount());
        assertEquals(userOrder(sample), userOrder(again));
        assertNotEquals(userOrder(sample), userOrder(otherSeed));

        Map<String, Integer> fullIds = new LinkedHashMap<>();
        for (int user = 0; user < all.userCount(); user++) {
            fullIds.put(all.rawUserId(user), user);
        }
        List<String> sampledInFullOrder = new ArrayList<>(fullIds.keySet());
        sampledInFullOrder.retainAll(userOrder(sample));
        assertEquals(sampledInFullOrder, userOrder(sample), "kept users stay in order of first appearance");
        Set<String> items = new HashSet<>();
        long interactions = 0;
        for (int user = 0; user < sample.userCount(); user++) {
            List<String> sequence = rawSequence(sample, user);
            assertEquals(rawSequence(all, fullIds.get(sample.rawUserId(user))), sequence);
            items.addAll(sequence);
            interactions += sequence.size();
        }
        assertEquals(items.size(), sample.itemCount(), "only the sampled users' items are numbered");
        assertEquals(interactions, sample.interactionCount());
        JsonNode stats = MAPPER.readTree(dir.resolve("sample/stats.json").toFile());
        assertEquals(458 - sample.userCount(), stats.get("dropped").get("users_not_sampled").asInt());
        assertEquals(2972 - interactions, stats.get("dropped").get("interactions_of_users_not_sampled").asInt());
    }

    @Test
    void rulesOnHandmadeFilesWithMalformedLines() throws IOException {
        Path reviews = PrepareTesting.writeGzipLines(dir.resolve("Small_5.json.gz"),
                "{\"reviewerID\": \"u1\", \"asin\": \"b\", \"unixReviewTime\": 30}",
                "{\"reviewerID\": \"u2\", \"asin\": \"a\", \"unixReviewTime\": 5}",
                "{\"reviewerID\": \"u1\", \"asin\": \"a\", \"unixReviewTime\": 10}",
                "not json at all",
                "{\"reviewerID\": \"u1\", \"asin\": \"nometa\", \"unixReviewTime\": 1}",
                "{\"reviewerID\": \"u1\", \"asin\": \"c\", \"unixReviewTime\": 30}",
                "{\"reviewerID\": \"u1\", \"asin\": \"d\", \"unixReviewTime\": \"40\"}",
                "",
                "{\"reviewerID\": \"u1\", \"asin\": \"d\", \"unixReviewTime\": 20}",
                "{\"reviewerID\": \"u2\", \"asin\": \"b\", \"unixReviewTime\": 6}",
                "{\"asin\": \"d\", \"unixReviewTime\": 20}",
                "{\"reviewerID\": \"u2\", \"asin\": \"c\", \"unixReviewTime\": 7}",
                "{\"reviewerID\": \"u3\", \"asin\": \"c\", \"unixReviewTime\": 1}",
                "{\"reviewerID\": \"u3\", \"asin\": \"d\", \"unixReviewTime\": 1}",
                "{\"reviewerID\": \"u3\", \"asin\": \"c\", \"unixReviewTime\": 1}",
                "{\"reviewerID\": \"u3\", \"asin\": \"a\", \"unixReviewTime\": 0}");
        Path metadata = PrepareTesting.writeLines(dir.resolve("meta_Small.json"),
                "{\"asin\": \"a\", \"title\": \"Caf&eacute; &amp; Bar\", \"brand\": \"B&#39;s\", \"category\": [\"Top\", \"Sub &gt; Leaf\"]}",
                "{\"asin\": \"b\", \"title\": null, \"category\": []}",
                "{\"asin\": \"c\", \"title\": \"old\", \"brand\": \"x\", \"category\": [\"k\"]}",
                "{\"title\": \"no asin\"}",
                "{\"asin\": \"d\", \"brand\": \"D\"}",
                "{\"asin\": \"c\", \"title\": \"new\", \"brand\": \"y\", \"category\": \"not a list\"}",
                "{broken");
        Path output = dir.resolve("out");
        CommandRun run = PrepareTesting.run("prepare", "amazon", "--reviews", reviews.toString(),
                "--meta", metadata.toString(), "--output", output.toString(), "--sample-fraction", "1");
        assertEquals(0, run.status(), run.err());

        Dataset data = Dataset.load(output);
        // u1: nometa dropped; a@10, d@20, b@30, c@30 (b before c: file order on equal times).
        // u2: 3 reviews, dropped. u3: a@0, c, d, c (equal times keep file order).
        assertEquals(List.of("u1", "u3"), userOrder(data));
        assertEquals(List.of("a", "d", "b", "c"), rawSequence(data, 0));
        assertEquals(List.of("a", "c", "d", "c"), rawSequence(data, 1));
        // Items numbered by first appearance in u1's file order, then u3's: b, a, c, d.
        assertEquals(List.of("b", "a", "c", "d"), List.of(data.rawItemId(0), data.rawItemId(1),
                data.rawItemId(2), data.rawItemId(3)));
        assertEquals("{title=Caf\u00e9 & Bar, brand=B's, category=Top Sub > Leaf}", data.itemAttributes().get(1).toString());
        assertEquals("{title=, brand=, category=}", data.itemAttributes().get(0).toString());
        assertEquals("{title=new, brand=y, category=not a list}", data.itemAttributes().get(2).toString());
        assertEquals("{title=, brand=D, category=}", data.itemAttributes().get(3).toString());

        JsonNode stats = MAPPER.readTree(output.resolve("stats.json").toFile());
        JsonNode dropped = stats.get("dropped");
        assertEquals(1, dropped.get("reviews_of_items_without_metadata").asInt());
        assertEquals(1, dropped.get("users_with_fewer_than_4_interactions").asInt());
        assertEquals(3, dropped.get("interactions_of_those_users").asInt());
        JsonNode reviewErrors = stats.get("malformed_lines").get(reviews.toString());
        assertEquals(3, reviewErrors.get("count").asInt());
        assertEquals(4, reviewErrors.get("lines").get(0).get("line").asInt());
        assertEquals(7, reviewErrors.get("lines").get(1).get("line").asInt());
        assertEquals("\"unixReviewTime\" is not an integer", reviewErrors.get("lines").get(1).get("reason").asText());
        assertEquals(11, reviewErrors.get("lines").get(2).get("line").asInt());
        assertEquals("missing \"reviewerID\"", reviewErrors.get("lines").get(2).get("reason").asText());
        JsonNode metaErrors = stats.get("malformed_lines").get(metadata.toString());
        assertEquals(2, metaErrors.get("count").asInt());
        assertEquals(4, metaErrors.get("lines").get(0).get("line").asInt());
        assertEquals(7, metaErrors.get("lines").get(1).get("line").asInt());
        assertTrue(run.out().contains("line 7: \"unixReviewTime\" is not an integer"), run.out());
        assertEquals(List.of(), leftoverTemporaryFiles(output));
    }

    private static List<Path> leftoverTemporaryFiles(Path output) throws IOException {
        try (var files = Files.list(output)) {
            return files.filter(file -> file.getFileName().toString().startsWith(".")).toList();
        }
    }

    @Test
    void badInputGivesOneMessageAndStatusTwo() throws IOException {
        Path metadata = PrepareTesting.writeLines(dir.resolve("meta.json"), "{\"asin\": \"a\"}");
        Path missing = dir.resolve("missing_5.json.gz");
        CommandRun run = PrepareTesting.run("prepare", "amazon", "--reviews", missing.toString(),
                "--meta", metadata.toString(), "--output", dir.resolve("out").toString());
        assertEquals(2, run.status());
        assertEquals("recformer prepare amazon: " + missing + ": file not found", run.err().strip());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");

        run = PrepareTesting.run("prepare", "amazon", "--reviews", metadata.toString(),
                "--meta", metadata.toString(), "--output", dir.resolve("out").toString(), "--sample-fraction", "0");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--sample-fraction must be in (0, 1], got 0.0"), run.err());
    }
}
