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
                "3,Three,\"E\"x",
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
        assertEquals("expected 3 fields, found 4", itemErrors.get("lines").get(1).get("reason").asText());

        // The default minimum (4) drops both users; a dataset needs at least one.
        run = prepare(interactions, items, dir.resolve("out4"), "--value-separator", "|");
        assertEquals(0, run.status(), run.err());
        JsonNode stats4 = MAPPER.readTree(dir.resolve("out4/stats.json").toFile());
        assertEquals(2, stats4.get("dropped").get("users_with_fewer_than_4_interactions").asInt());
        assertEquals(0, stats4.get("users").asInt());
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
