package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.data.Dataset;
import org.recformer.testing.CommandRun;
import org.recformer.testing.SharedFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvPrepareTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private CommandRun prepare(Path interactions, Path items, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("prepare", "csv",
                "--interactions", interactions.toString(), "--user-col", "userId", "--item-col", "movieId",
                "--time-col", "timestamp", "--items", items.toString(), "--item-id-col", "movieId",
                "--attributes", "title,genres", "--output", output.toString()));
        args.addAll(List.of(extra));
        return PrepareTesting.run(args.toArray(String[]::new));
    }

    @Test
    void movieLensSmall() throws IOException {
        Path movieLens = SharedFiles.dataFolder("movielens-small");
        Path output = dir.resolve("ml");
        CommandRun run = prepare(movieLens.resolve("ratings.csv"), movieLens.resolve("movies.csv"), output,
                "--value-separator", "|");
        assertEquals(0, run.status(), run.err());
        Dataset data = Dataset.load(output);
        // data/README.md: 100,836 ratings by 610 users; ratings.csv also ends with one rating
        // (user 999, movie 999999) whose movie is not in movies.csv: it is dropped.
        assertEquals(610, data.userCount());
        assertEquals(100836, data.interactionCount());
        JsonNode stats = MAPPER.readTree(output.resolve("stats.json").toFile());
        assertEquals(100837, stats.get("interactions_read").asInt());
        assertEquals(1, stats.get("dropped").get("interactions_of_items_missing_from_the_item_table").asInt());
        assertEquals(9742, stats.get("item_rows_read").asInt());

        // Each user's movies sorted by timestamp, equal timestamps in file order (ratings.csv has no quotes).
        Map<String, List<String[]>> ratings = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(movieLens.resolve("ratings.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split(",");
            if (!fields[1].equals("999999")) {
                ratings.computeIfAbsent(fields[0], u -> new ArrayList<>()).add(fields);
            }
        }
        assertEquals(9724, ratings.values().stream().flatMap(List::stream).map(f -> f[1]).distinct().count());
        assertEquals(9724, data.itemCount());
        for (int user = 0; user < data.userCount(); user++) {
            List<String[]> expected = new ArrayList<>(ratings.get(data.rawUserId(user)));
            expected.sort(Comparator.comparingLong(f -> Long.parseLong(f[3])));
            List<String> actual = new ArrayList<>();
            for (int[] part : new int[][] {data.train(user), data.validation(user), data.test(user)}) {
                for (int item : part) {
                    actual.add(data.rawItemId(item));
                }
            }
            assertEquals(expected.stream().map(f -> f[1]).toList(), actual, "user " + data.rawUserId(user));
        }
        assertEquals(List.copyOf(ratings.keySet()), users(data));

        // Quoted titles with commas and doubled quotes; genres split at '|' and joined with spaces;
        // other text is kept as it is (a trailing space included).
        assertEquals("{title=American President, The (1995), genres=Comedy Drama Romance}", attributes(data, "11"));
        assertEquals("{title=11'09\"01 - September 11 (2002), genres=Drama}", attributes(data, "7789"));
        assertEquals("{title=Runaway Brain (1995) , genres=Animation Comedy Sci-Fi}", attributes(data, "96608"));
    }

    private static List<String> users(Dataset data) {
        List<String> users = new ArrayList<>();
        for (int user = 0; user < data.userCount(); user++) {
            users.add(data.rawUserId(user));
        }
        return users;
    }

    private static String attributes(Dataset data, String rawItemId) {
        for (int item = 0; item < data.itemCount(); item++) {
            if (data.rawItemId(item).equals(rawItemId)) {
                return data.itemAttributes().get(item).toString();
            }
        }
        throw new AssertionError("item " + rawItemId + " not in the dataset");
    }

    @Test
    void jsonLinesTablesMinInteractionsAndMalformedRows() throws IOException {
        Path interactions = PrepareTesting.writeGzipLines(dir.resolve("events.jsonl.gz"),
                "{\"userId\": \"u\", \"movieId\": 1, \"timestamp\": 3}",
                "{\"userId\": \"u\", \"movieId\": 2, \"timestamp\": 1}",
                "{\"userId\": \"v\", \"movieId\": 2, \"timestamp\": 1}",
                "{\"userId\": \"u\", \"movieId\": 3, \"timestamp\": 2}",
                "{\"userId\": \"u\", \"movieId\": 9, \"timestamp\": 2}",
                "{\"userId\": \"u\", \"movieId\": 1, \"timestamp\": \"soon\"}",
                "{\"userId\": \"v\", \"movieId\": 3, \"timestamp\": 5}",
                "{\"userId\": \"v\", \"timestamp\": 5}",
                "{\"userId\": \"v\", \"movieId\": 1, \"timestamp\": 4}");
        Path items = PrepareTesting.writeLines(dir.resolve("items.csv"),
                "movieId,title,genres",
                "1,\"One, the\",A|B",
                "2,Two,",
                "2,Two again,C||D",
                "3,Three",
                "3,Three,E,extra",
                "3,Three,E");
        Path output = dir.resolve("out");
        CommandRun run = prepare(interactions, items, output, "--min-interactions", "3");
        assertEquals(0, run.status(), run.err());
        Dataset data = Dataset.load(output);
        assertEquals(List.of("u", "v"), users(data));
        // u: 2@1, 3@2, 1@3 (9 has no item row, "soon" is malformed); v: 2@1, 1@4, 3@5.
        assertEquals(List.of("1", "2", "3"), List.of(data.rawItemId(0), data.rawItemId(1), data.rawItemId(2)));
        assertEquals(List.of(1, 2, 0), List.of(data.train(0)[0], data.validation(0)[0], data.test(0)[0]));
        assertEquals(List.of(1, 0, 2), List.of(data.train(1)[0], data.validation(1)[0], data.test(1)[0]));
        assertEquals("{title=One, the, genres=A|B}", data.itemAttributes().get(0).toString());
        assertEquals("{title=Two again, genres=C||D}", data.itemAttributes().get(1).toString());

        JsonNode stats = MAPPER.readTree(output.resolve("stats.json").toFile());
        assertEquals(1, stats.get("dropped").get("interactions_of_items_missing_from_the_item_table").asInt());
        assertEquals(1, stats.get("dropped").get("item_rows_replaced_by_a_later_row_with_the_same_id").asInt());
        JsonNode eventErrors = stats.get("malformed_lines").get(interactions.toString());
        assertEquals(2, eventErrors.get("count").asInt());
        assertEquals("\"timestamp\" value \"soon\" is not an integer", eventErrors.get("lines").get(0).get("reason").asText());
        assertEquals(8, eventErrors.get("lines").get(1).get("line").asInt());
        JsonNode itemErrors = stats.get("malformed_lines").get(items.toString());
        assertEquals(2, itemErrors.get("count").asInt());
        assertEquals(5, itemErrors.get("lines").get(0).get("line").asInt());
        assertEquals("expected 3 fields, found 2", itemErrors.get("lines").get(0).get("reason").asText());
        assertEquals("expected 3 fields, found 4", itemErrors.get("lines").get(1).get("reason").asText());

        // The default minimum (4) drops both users; a dataset needs at least one, so that is an error.
        run = prepare(interactions, items, dir.resolve("out4"), "--value-separator", "|");
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("no user is left to write"), run.err());
        assertTrue(run.err().contains("dropped users_with_fewer_than_4_interactions 2"), run.err());
        assertFalse(Files.exists(dir.resolve("out4/train.json")));
    }

    /** Ten users with five interactions each over items 1-5, one row per line after the header. */
    private static List<String> fiftyInteractions() {
        List<String> lines = new ArrayList<>(List.of("userId,movieId,timestamp"));
        for (int u = 0; u < 10; u++) {
            for (int t = 0; t < 5; t++) lines.add("u" + u + "," + (1 + (u + t) % 5) + "," + t);
        }
        return lines;
    }

    private Path fiveItems() throws IOException {
        return PrepareTesting.writeLines(dir.resolve("items.csv"), "movieId,title,genres",
                "1,One,A", "2,Two,B", "3,Three,C", "4,Four,D", "5,Five,E");
    }

    @Test
    void aBrokenQuoteStopsTheRunNamingItsLineInsteadOfTruncatingTheFile() throws IOException {
        Path items = fiveItems();
        // A quote that never closes (line 12 of the file) would swallow every later row.
        List<String> lines = fiftyInteractions();
        lines.set(11, "u2,\"3,5");
        Path unclosed = PrepareTesting.writeLines(dir.resolve("unclosed.csv"), lines.toArray(String[]::new));
        CommandRun run = prepare(unclosed, items, dir.resolve("out1"));
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains(unclosed + ": line 12: not a valid CSV record"), run.err());
        assertFalse(Files.exists(dir.resolve("out1/train.json")));

        // A quote that closes rows later takes the rows between into one value.
        lines.set(30, "u5,3\",4");
        Path closedLater = PrepareTesting.writeLines(dir.resolve("later.csv"), lines.toArray(String[]::new));
        run = prepare(closedLater, items, dir.resolve("out2"));
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains(closedLater + ": line 12: \"movieId\" holds a line break"), run.err());

        // Text after a closing quote.
        lines = fiftyInteractions();
        lines.set(20, "u3,\"4\"x,2");
        Path trailing = PrepareTesting.writeLines(dir.resolve("trailing.csv"), lines.toArray(String[]::new));
        run = prepare(trailing, items, dir.resolve("out3"));
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains(trailing + ": line 21: not a valid CSV record"), run.err());
    }

    @Test
    void aRowWithTheWrongFieldCountCostsThatRowOnly() throws IOException {
        List<String> lines = fiftyInteractions();
        lines.set(11, "u2,3");
        Path interactions = PrepareTesting.writeLines(dir.resolve("short.csv"), lines.toArray(String[]::new));
        CommandRun run = prepare(interactions, fiveItems(), dir.resolve("out"), "--min-interactions", "3");
        assertEquals(0, run.status(), run.err());
        JsonNode stats = MAPPER.readTree(dir.resolve("out/stats.json").toFile());
        assertEquals(49, stats.get("interactions_read").asInt());
        assertEquals(12, stats.get("malformed_lines").get(interactions.toString()).get("lines").get(0).get("line").asInt());
    }

    @Test
    void aHeaderOnlyOrAllGarbageTableIsAnError() throws IOException {
        Path headerOnly = PrepareTesting.writeLines(dir.resolve("empty.csv"), "userId,movieId,timestamp");
        CommandRun run = prepare(headerOnly, fiveItems(), dir.resolve("out"));
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("no user is left to write"), run.err());
        Path garbage = PrepareTesting.writeLines(dir.resolve("garbage.csv"), "userId,movieId,timestamp", "x", "y,z", "1,2,soon");
        run = prepare(garbage, fiveItems(), dir.resolve("out"));
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("malformed lines in " + garbage + " 3"), run.err());
    }

    @Test
    void anOutputHoldingADatasetNeedsOverwriteAndAnInputIsNeverWrittenOver() throws IOException {
        Path interactions = PrepareTesting.writeLines(dir.resolve("ratings.csv"), fiftyInteractions().toArray(String[]::new));
        Path items = fiveItems();
        Path output = dir.resolve("out");
        assertEquals(0, prepare(interactions, items, output).status());
        byte[] first = Files.readAllBytes(output.resolve("train.json"));
        CommandRun again = prepare(interactions, items, output);
        assertEquals(2, again.status(), again.err());
        assertTrue(again.err().contains(output + ": already holds a dataset (train.json)"), again.err());
        assertEquals(0, prepare(interactions, items, output, "--overwrite").status());
        assertTrue(java.util.Arrays.equals(first, Files.readAllBytes(output.resolve("train.json"))));

        // Inputs named like the files a dataset holds, in the output folder itself: refused even with --overwrite.
        Path inputs = dir.resolve("inputs");
        Files.createDirectories(inputs);
        Path namedTrain = Files.copy(interactions, inputs.resolve("train.json"));
        byte[] before = Files.readAllBytes(namedTrain);
        CommandRun onInput = PrepareTesting.run("prepare", "csv", "--interactions", namedTrain.toString(),
                "--user-col", "userId", "--item-col", "movieId", "--time-col", "timestamp", "--items", items.toString(),
                "--item-id-col", "movieId", "--attributes", "title,genres", "--output", inputs.toString(), "--overwrite");
        assertEquals(2, onInput.status(), onInput.err());
        assertTrue(onInput.err().contains(namedTrain + ": is an input of this run"), onInput.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(namedTrain)));

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CommandRun onFile = prepare(interactions, items, file);
        assertEquals(2, onFile.status());
        assertTrue(onFile.err().contains(file + ": --output exists and is not a folder"), onFile.err());
    }

    @Test
    void wrongColumnOrMissingFileGivesOneMessageAndStatusTwo() throws IOException {
        Path items = PrepareTesting.writeLines(dir.resolve("items.csv"), "movieId,name", "1,One");
        Path interactions = PrepareTesting.writeLines(dir.resolve("ratings.csv"), "userId,movieId,timestamp", "u,1,1");
        CommandRun run = prepare(interactions, items, dir.resolve("out"));
        assertEquals(2, run.status());
        assertEquals("recformer prepare csv: " + items + ": no column \"title\" in the header (columns: movieId, name)",
                run.err().strip());
        assertFalse(Files.exists(dir.resolve("out")));

        Path jsonItems = PrepareTesting.writeLines(dir.resolve("items.json"), "{\"movieId\": 1, \"title\": \"One\"}");
        run = prepare(interactions, jsonItems, dir.resolve("out"));
        assertEquals(2, run.status());
        assertTrue(run.err().contains(jsonItems + ": no line has the field \"genres\""), run.err());

        run = prepare(dir.resolve("nope.csv"), items, dir.resolve("out"));
        assertEquals(2, run.status());
        assertTrue(run.err().contains("nope.csv: file not found"), run.err());

        run = prepare(interactions, items, dir.resolve("out"), "--min-interactions", "2");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--min-interactions must be at least 3"), run.err());
    }
}
