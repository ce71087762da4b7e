package org.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.data.demo.DemoCatalogue;
import org.recformer.testing.CommandRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.recformer.cli.TrainCommandTest.run;

/** {@code recformer evaluate} and {@code recformer recommend} on a model trained by {@code recformer train}. */
class EvaluateRecommendTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path data;
    static Path best;

    @BeforeAll
    static void train() throws Exception {
        data = tmp.resolve("demo");
        new DemoCatalogue(40, 48, 11).writeTo(data);
        Path runDir = tmp.resolve("run");
        CommandRun r = run(TrainCommandTest.train("--data", data.toString(), "--epochs", "1", "--stage2-epochs", "0",
                "--output", runDir.toString()));
        assertEquals(0, r.status(), r.err());
        best = runDir.resolve("best");
    }

    @Test
    void evaluateReproducesTheTrainingRunsTestMetrics() throws Exception {
        CommandRun r = run("evaluate", "--model", best.toString(), "--data", data.toString(), "--split", "test");
        assertEquals(0, r.status(), r.err());
        JsonNode metrics = JSON.readTree(best.getParent().resolve("metrics.json").toFile());
        String ndcg = String.format(java.util.Locale.ROOT, "%.4f", metrics.get("test").get("NDCG@10").asDouble());
        String pop = String.format(java.util.Locale.ROOT, "%.4f", metrics.get("popularity").get("test").get("NDCG@10").asDouble());
        assertTrue(r.out().contains("finetuned"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("NDCG@10") && l.contains(ndcg) && l.contains(pop)), r.out() + " vs " + ndcg);
    }

    @Test
    void zeroShotEncodesTheItemsAndCachesTheTable() {
        CommandRun r = run("evaluate", "--model", best.toString(), "--data", data.toString(), "--split", "validation", "--zero-shot");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("zero-shot"), r.out());
        try (var files = Files.list(best)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("item-table-")), "item table cached in the model folder");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void unknownSplitIsStatus2() {
        CommandRun r = run("evaluate", "--model", best.toString(), "--data", data.toString(), "--split", "dev");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("dev") && r.err().contains("validation or test"), r.err());
    }

    @Test
    void recommendsCatalogueAndColdStartItemsFromIdsAndAttributeMaps() throws Exception {
        Path input = tmp.resolve("in.json");
        Files.writeString(input, """
                {"histories": {"alice": ["DEMO000001", {"title": "Borealis Precision beaker X100", "brand": "Borealis"}],
                               "bob": ["DEMO000002"]},
                 "new_items": {"NEW-1": {"title": "Borealis Compact flask Z900", "brand": "Borealis", "category": "Lab Supplies Glassware"}}}
                """);
        CommandRun r = run("recommend", "--model", best.toString(), "--input", input.toString(), "--top-k", "41");
        assertEquals(0, r.status(), r.err());
        JsonNode out = JSON.readTree(r.out());
        assertEquals(41, out.get("alice").size(), "40 catalogue items + 1 new one");
        boolean hasNew = false;
        double previous = Double.POSITIVE_INFINITY;
        for (JsonNode e : out.get("alice")) {
            hasNew |= e.get("item").asText().equals("NEW-1");
            assertTrue(e.get("score").asDouble() <= previous, "best first");
            previous = e.get("score").asDouble();
        }
        assertTrue(hasNew, "the cold-start item is ranked too");
        assertEquals(41, out.get("bob").size());
    }

    @Test
    void aNewItemWithACatalogueItemsTextScoresExactlyLikeIt() throws Exception {
        // new items are encoded by the current encoder; the catalogue must then be too, or the two
        // kinds of candidates are scored against different tables
        JsonNode attributes = JSON.readTree(data.resolve("meta_data.json").toFile()).get("DEMO000003");
        Path input = tmp.resolve("copy.json");
        Files.writeString(input, "{\"histories\": {\"alice\": [\"DEMO000001\", \"DEMO000007\"]},"
                + " \"new_items\": {\"COPY\": " + JSON.writeValueAsString(attributes) + "}}");
        CommandRun r = run("recommend", "--model", best.toString(), "--input", input.toString(), "--top-k", "41");
        assertEquals(0, r.status(), r.err());
        double copy = Double.NaN, original = Double.NaN;
        for (JsonNode e : JSON.readTree(r.out()).get("alice")) {
            if (e.get("item").asText().equals("COPY")) copy = e.get("score").asDouble();
            if (e.get("item").asText().equals("DEMO000003")) original = e.get("score").asDouble();
        }
        assertEquals(original, copy, 1e-5, "the same text must get the same score");
    }

    @Test
    void recommendRejectsAnUnknownItemIdNamingIt() throws Exception {
        Path input = tmp.resolve("bad.json");
        Files.writeString(input, "{\"histories\": {\"carol\": [\"NOPE42\"]}}");
        CommandRun r = run("recommend", "--model", best.toString(), "--input", input.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("NOPE42") && r.err().contains("bad.json"), r.err());
    }

    /** A copy of the trained model whose item table holds NaN. */
    private static Path modelWithNaN() throws Exception {
        Path copy = tmp.resolve("nan-model");
        if (Files.exists(copy)) return copy;
        Files.createDirectories(copy);
        try (var files = Files.list(best)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        org.recformer.io.StateDict weights = org.recformer.io.SafeTensors.read(copy.resolve("model.safetensors"));
        org.recformer.io.StateDict poisoned = new org.recformer.io.StateDict("poisoned");
        for (String name : weights.names()) {
            org.recformer.io.HostTensor t = weights.get(name);
            float[] values = t.toFloatArray();
            if (name.contains("item_embedding")) java.util.Arrays.fill(values, Float.NaN);
            poisoned.put(name, org.recformer.io.HostTensor.ofFloats(values, t.intShape()));
        }
        org.recformer.io.SafeTensors.write(copy.resolve("model.safetensors"), poisoned);
        return copy;
    }

    @Test
    void recommendRefusesNonFiniteScoresNamingTheModel() throws Exception {
        Path model = modelWithNaN();
        Path input = tmp.resolve("nan.json");
        Files.writeString(input, "{\"histories\": {\"dave\": [\"DEMO000001\"]}}");
        CommandRun r = run("recommend", "--model", model.toString(), "--input", input.toString());
        assertEquals(2, r.status(), r.out());
        assertTrue(r.err().contains(model + ": the model gives a score of NaN"), r.err());
        assertTrue(r.out().isBlank(), r.out());
    }

    @Test
    void evaluatingNoUserIsAnError() {
        CommandRun r = run("evaluate", "--model", best.toString(), "--data", data.toString(), "--max-users", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--max-users must be >= 1, got 0"), r.err());
    }
}
