package org.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.data.Dataset;
import org.recformer.data.demo.DemoCatalogue;
import org.recformer.io.SafeTensors;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.model.RecformerRecipe;
import org.recformer.testing.CommandRun;
import org.recformer.train.Checkpoint;
import org.recformer.train.Finetuner;
import org.recformer.train.TrainerState;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code recformer train} end to end on a tiny model and a small synthetic catalogue. */
class TrainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String[] TINY = {"--layers", "1", "--hidden", "16", "--heads", "2", "--window", "16", "--batch-size", "8",
            "--eval-batch-size", "32", "--lr", "2e-3", "--warmup", "2", "--no-progress", "--seed", "3"};

    @TempDir
    static Path shared;
    static Path data;

    @BeforeAll
    static void writeCatalogue() throws Exception {
        data = shared.resolve("demo");
        new DemoCatalogue(40, 48, 7).writeTo(data);
    }

    static CommandRun run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOverwrittenOptionsAllowed(true); // a test may override an option of TINY
        return CommandRun.of(cl, args);
    }

    /** {@code train} with the tiny model options and {@code more}. */
    static String[] train(String... more) {
        return args(args(new String[] {"train"}, TINY), more);
    }

    static String[] args(String[] base, String... more) {
        List<String> all = new ArrayList<>(Arrays.asList(base));
        all.addAll(Arrays.asList(more));
        return all.toArray(String[]::new);
    }

    @Test
    void resumedRunEndsExactlyAsTheUninterruptedOne(@TempDir Path tmp) throws Exception {
        String[] common = train("--data", data.toString(), "--stage1-epochs", "2", "--stage2-epochs", "2",
                "--negative-samples", "5");
        Path straight = tmp.resolve("straight");
        CommandRun a = run(args(common, "--output", straight.toString()));
        assertEquals(0, a.status(), a.err());

        Path killed = tmp.resolve("killed");
        CommandRun first = run(args(common, "--output", killed.toString(), "--stop-after-epochs", "1"));
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("--resume"), first.out());
        assertTrue(Files.notExists(killed.resolve("metrics.json")));
        CommandRun second = run("train", "--resume", killed.toString(), "--stop-after-epochs", "3", "--no-progress");
        assertEquals(0, second.status(), second.err());
        assertTrue(second.out().contains("stage 2"), "crosses into stage 2 after the resume: " + second.out());
        CommandRun third = run("train", "--resume", killed.resolve("last").toString(), "--no-progress");
        assertEquals(0, third.status(), third.err());

        assertEquals(JSON.readTree(straight.resolve("metrics.json").toFile()), JSON.readTree(killed.resolve("metrics.json").toFile()));
        for (String folder : new String[] {"best", "last"}) {
            assertArrayEquals(Files.readAllBytes(straight.resolve(folder).resolve("model.safetensors")),
                    Files.readAllBytes(killed.resolve(folder).resolve("model.safetensors")), folder);
        }
        assertArrayEquals(Files.readAllBytes(straight.resolve("last/optimizer.safetensors")),
                Files.readAllBytes(killed.resolve("last/optimizer.safetensors")));
        assertEquals(JSON.readTree(straight.resolve("last/trainer_state.json").toFile()),
                JSON.readTree(killed.resolve("last/trainer_state.json").toFile()));
    }

    @Test
    void writesMetricsInTheDocumentedShapeWithLogAndPlots(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        CommandRun r = run(train("--data", data.toString(), "--epochs", "1", "--output", out.toString()));
        assertEquals(0, r.status(), r.err());
        JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
        List<String> keys = List.of("NDCG@10", "Recall@10", "NDCG@50", "Recall@50", "MRR", "AUC");
        assertEquals(List.of("test", "validation", "popularity", "test_uncertainty"), names(metrics));
        for (JsonNode split : List.of(metrics.get("test"), metrics.get("validation"), metrics.get("popularity").get("test"),
                metrics.get("popularity").get("validation"))) {
            assertEquals(keys, names(split));
        }
        assertEquals(List.of("test", "validation"), names(metrics.get("popularity")));
        JsonNode uncertainty = metrics.get("test_uncertainty").get("metrics");
        assertEquals(keys, names(uncertainty));
        for (String key : keys) {
            JsonNode ci = uncertainty.get(key).get("ci95");
            double value = metrics.get("test").get(key).asDouble();
            assertTrue(ci.get(0).asDouble() <= value && value <= ci.get(1).asDouble(), key + ": " + value + " outside " + ci);
            JsonNode popularityCi = uncertainty.get(key).get("popularity_ci95");
            double popularity = metrics.get("popularity").get("test").get(key).asDouble();
            assertTrue(popularityCi.get(0).asDouble() <= popularity && popularity <= popularityCi.get(1).asDouble(), key);
            assertEquals(value - popularity, uncertainty.get(key).get("difference").asDouble(), 1e-12, key);
        }
        for (String f : new String[] {"train.log", "loss.png", "validation-ndcg10.png", "report.png", "best/config.json", "best/encoder.json",
                "best/items.json", "last/trainer_state.json", "last/optimizer.safetensors"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        String log = Files.readString(out.resolve("train.log"));
        assertTrue(log.contains("NDCG@10") && log.contains("test pop"), log);
        assertTrue(r.out().contains(out.toString()), "prints the run folder");
    }

    @Test
    void noDataMeansTheSyntheticDemoAndSaysSo(@TempDir Path tmp) {
        CommandRun r = run(train("--max-users", "16", "--epochs", "1", "--output", tmp.resolve("demo").toString()));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("SYNTHETIC") && r.out().contains("--data DIR"), r.out());
        assertTrue(Files.isRegularFile(tmp.resolve("demo/data/meta_data.json")));
    }

    @Test
    void nonFiniteLossStopsNamingTheStepAndKeepsTheLastCheckpoint(@TempDir Path tmp) {
        Path out = tmp.resolve("run");
        CommandRun r = run(train("--data", data.toString(), "--epochs", "3", "--output", out.toString(),
                "--lr", "1e37", "--warmup", "0", "--max-grad-norm", "1e30"));
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("non-finite") && r.err().contains("at step"), r.err());
    }

    @Test
    void aNonEmptyOutputThatIsNotARunIsRefusedAndLeftAlone(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("mine");
        Files.createDirectories(out.resolve("best"));
        Path important = Files.writeString(out.resolve("best/IMPORTANT.txt"), "keep me");
        CommandRun r = run(train("--data", data.toString(), "--epochs", "1", "--output", out.toString()));
        assertEquals(2, r.status(), r.out());
        assertTrue(r.err().contains(out + ": --output is a folder that is not empty and holds no run"), r.err());
        assertEquals("keep me", Files.readString(important));
        assertEquals(List.of(out.resolve("best")), Files.list(out).toList());

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        r = run(train("--data", data.toString(), "--epochs", "1", "--output", file.toString()));
        assertEquals(2, r.status(), r.out());
        assertTrue(r.err().contains(file + ": --output exists and is not a folder"), r.err());
    }

    @Test
    void missingDatasetFileStopsBeforeTrainingNamingIt(@TempDir Path tmp) throws Exception {
        Path broken = copyOfData(tmp);
        Files.delete(broken.resolve("val.json"));
        CommandRun r = run(train("--data", broken.toString(), "--output", tmp.resolve("run").toString()));
        assertEquals(2, r.status(), r.out());
        assertTrue(r.err().contains("val.json") && r.err().contains("missing"), r.err());
        assertTrue(Files.notExists(tmp.resolve("run/last")), "stops before training");
    }

    @Test
    void itemWithoutMetadataStopsNamingTheFiles(@TempDir Path tmp) throws Exception {
        Path broken = copyOfData(tmp);
        ObjectNode meta = (ObjectNode) JSON.readTree(broken.resolve("meta_data.json").toFile());
        String first = meta.fieldNames().next();
        meta.remove(first);
        JSON.writeValue(broken.resolve("meta_data.json").toFile(), meta);
        CommandRun r = run(train("--data", broken.toString(), "--output", tmp.resolve("run").toString()));
        assertEquals(2, r.status(), r.out());
        assertTrue(r.err().contains(first) && r.err().contains("meta_data.json"), r.err());
    }

    @Test
    void checkpointWhoseShapesDoNotMatchItsConfigIsRejected(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        assertEquals(0, run(train("--data", data.toString(), "--epochs", "1", "--stage2-epochs", "0",
                "--output", run.toString())).status());
        Path model = run.resolve("best");
        ObjectNode config = (ObjectNode) JSON.readTree(model.resolve("config.json").toFile());
        config.put("intermediate_size", 48);
        JSON.writeValue(model.resolve("config.json").toFile(), config);
        CommandRun r = run(train("--data", data.toString(), "--model", model.toString(), "--output", tmp.resolve("again").toString()));
        assertEquals(2, r.status(), r.out());
        assertTrue(r.err().contains("model.safetensors") && r.err().contains("intermediate"), r.err());
    }

    @Test
    void itemIdEmbeddingLearnsSeenItemsOnlyAndEvaluateReproducesTheRun(@TempDir Path tmp) throws Exception {
        Path out = oneEpochRun(tmp, "0", "--item-id-embedding");
        Path best = out.resolve(Finetuner.BEST);
        assertTrue(JSON.readTree(best.resolve(Checkpoint.CONFIG_FILE).toFile()).get(RecformerConfig.ITEM_ID_EMBEDDING).asBoolean());
        float[][] rows = savedRows(best, RecformerForSeqRec.ITEM_ID_TABLE);
        boolean[] seen = seenInTraining();
        int cold = 0;
        for (int j = 0; j < seen.length; j++) {
            if (seen[j]) assertFalse(Arrays.equals(new float[rows[j].length], rows[j]), "item " + j + " is in training: its ID vector learned");
            else assertArrayEquals(new float[rows[j].length], rows[j], "item " + j + " is in no training sequence: text alone");
            if (!seen[j]) cold++;
        }
        assertTrue(cold > 0, "the catalogue has items only in validation or test");
        assertEvaluateReproducesTheTest(out);
    }

    /** A successful run with one stage-1 epoch, {@code stage2Epochs} stage-2 epochs and {@code option}; its run folder. */
    private static Path oneEpochRun(Path tmp, String stage2Epochs, String option) {
        Path out = tmp.resolve("run");
        CommandRun r = run(train("--data", data.toString(), "--epochs", "1", "--stage2-epochs", stage2Epochs, option, "--output", out.toString()));
        assertEquals(0, r.status(), r.err());
        return out;
    }

    /** The rows of the [item_num, hidden] table {@code name} saved in the checkpoint folder {@code dir}. */
    private static float[][] savedRows(Path dir, String name) throws Exception {
        float[] table = SafeTensors.read(dir.resolve(Checkpoint.MODEL_FILE)).get(name).toFloatArray();
        int items = Dataset.load(data).itemCount();
        int hidden = table.length / items;
        float[][] rows = new float[items][];
        for (int j = 0; j < items; j++) rows[j] = Arrays.copyOfRange(table, j * hidden, (j + 1) * hidden);
        return rows;
    }

    /** Which items of the test catalogue occur in a training sequence. */
    private static boolean[] seenInTraining() throws Exception {
        Dataset dataset = Dataset.load(data);
        boolean[] seen = new boolean[dataset.itemCount()];
        for (int u = 0; u < dataset.userCount(); u++) for (int item : dataset.train(u)) seen[item] = true;
        return seen;
    }

    /** {@code evaluate} of the run's best checkpoint prints the test NDCG@10 the run wrote to metrics.json. */
    private static void assertEvaluateReproducesTheTest(Path out) throws Exception {
        CommandRun eval = run("evaluate", "--model", out.resolve(Finetuner.BEST).toString(), "--data", data.toString(), "--split", "test");
        assertEquals(0, eval.status(), eval.err());
        String ndcg = String.format(java.util.Locale.ROOT, "%.4f", JSON.readTree(out.resolve("metrics.json").toFile()).get("test").get("NDCG@10").asDouble());
        assertTrue(eval.out().lines().anyMatch(l -> l.startsWith("NDCG@10") && l.contains(ndcg)), eval.out() + " vs " + ndcg);
    }

    @Test
    void itemIdInputImpliesItemIdEmbeddingLearnsSeenItemsOnlyAndEvaluateReproducesTheRun(@TempDir Path tmp) throws Exception {
        Path out = oneEpochRun(tmp, "1", "--item-id-input"); // stage 2 reloads the best checkpoint, J included
        Path best = out.resolve(Finetuner.BEST);
        JsonNode config = JSON.readTree(best.resolve(Checkpoint.CONFIG_FILE).toFile());
        assertTrue(config.get(RecformerConfig.ITEM_ID_INPUT_EMBEDDING).asBoolean());
        assertTrue(config.get(RecformerConfig.ITEM_ID_EMBEDDING).asBoolean(), "--item-id-input implies --item-id-embedding");
        float[][] rows = savedRows(best, RecformerForSeqRec.ITEM_ID_INPUT_TABLE);
        boolean[] seen = seenInTraining();
        int learned = 0, seenCount = 0;
        for (int j = 0; j < seen.length; j++) {
            // a seen item learns once a sampled training input holds it (an item drawn only as a label does not)
            if (seen[j]) {
                seenCount++;
                if (!Arrays.equals(new float[rows[j].length], rows[j])) learned++;
            } else {
                assertArrayEquals(new float[rows[j].length], rows[j], "item " + j + " is in no training sequence: text alone");
            }
        }
        assertTrue(learned > seenCount / 2, learned + " of " + seenCount + " seen items learned an input ID vector");
        assertEvaluateReproducesTheTest(out);
    }

    @Test
    void itemIdBiasLearnsSeenItemsOnlyAndEvaluateAndRecommendUseIt(@TempDir Path tmp) throws Exception {
        Path out = oneEpochRun(tmp, "1", "--item-id-bias");
        Path best = out.resolve(Finetuner.BEST);
        assertTrue(JSON.readTree(best.resolve(Checkpoint.CONFIG_FILE).toFile()).get(RecformerConfig.ITEM_ID_BIAS).asBoolean());
        float[] bias = SafeTensors.read(best.resolve(Checkpoint.MODEL_FILE)).get(RecformerForSeqRec.ITEM_ID_BIAS).toFloatArray();
        boolean[] seen = seenInTraining();
        for (int j = 0; j < seen.length; j++) {
            if (seen[j]) assertTrue(bias[j] != 0f, "item " + j + " is in training: its offset learned");
            else assertEquals(0f, bias[j], "item " + j + " is in no training sequence: no offset");
        }
        assertEvaluateReproducesTheTest(out);

        // recommend: a new item with a catalogue item's text scores as that item without its offset
        Dataset dataset = Dataset.load(data);
        int item = 0;
        while (!seen[item] || Math.abs(bias[item]) < 1e-4f) item++;
        JsonNode attributes = JSON.readTree(data.resolve(Dataset.METADATA_FILE).toFile()).get(dataset.rawItemId(item));
        Path input = tmp.resolve("copy.json");
        Files.writeString(input, "{\"histories\": {\"alice\": [\"" + dataset.rawItemId((item + 1) % seen.length) + "\"]},"
                + " \"new_items\": {\"COPY\": " + JSON.writeValueAsString(attributes) + "}}");
        CommandRun r = run("recommend", "--model", best.toString(), "--input", input.toString(), "--top-k", "" + (seen.length + 1));
        assertEquals(0, r.status(), r.err());
        double copy = Double.NaN, original = Double.NaN;
        for (JsonNode e : JSON.readTree(r.out()).get("alice")) {
            if (e.get("item").asText().equals("COPY")) copy = e.get("score").asDouble();
            if (e.get("item").asText().equals(dataset.rawItemId(item))) original = e.get("score").asDouble();
        }
        assertEquals(bias[item], original - copy, 1e-4, "the catalogue item's score holds its offset, the new item's none");
    }

    @Test
    void dropoutAndTemperatureSetTheFreshModelAndOverrideAFolders(@TempDir Path tmp) throws Exception {
        Path fresh = tmp.resolve("fresh");
        CommandRun a = run(train("--data", data.toString(), "--epochs", "1", "--stage2-epochs", "0", "--dropout", "0.3",
                "--temperature", "0.1", "--output", fresh.toString()));
        assertEquals(0, a.status(), a.err());
        assertRegularisation(fresh.resolve(Finetuner.BEST), 0.3, 0.1);

        Path plain = tmp.resolve("plain");
        CommandRun b = run(train("--data", data.toString(), "--epochs", "1", "--stage2-epochs", "0", "--output", plain.toString()));
        assertEquals(0, b.status(), b.err());
        assertRegularisation(plain.resolve(Finetuner.BEST), 0.1, 0.05); // the recipe's, as HuggingFace's config defaults
        assertFalse(a.out().lines().filter(l -> l.contains("loss")).toList().equals(b.out().lines().filter(l -> l.contains("loss")).toList()),
                "other dropout and temperature change the training losses");

        Path tuned = tmp.resolve("tuned");
        CommandRun c = run(train("--data", data.toString(), "--model", fresh.resolve(Finetuner.BEST).toString(), "--epochs", "1",
                "--stage2-epochs", "0", "--dropout", "0", "--temperature", "0.07", "--output", tuned.toString()));
        assertEquals(0, c.status(), c.err());
        assertRegularisation(tuned.resolve(Finetuner.BEST), 0.0, 0.07);
        Path kept = tmp.resolve("kept");
        CommandRun d = run(train("--data", data.toString(), "--model", fresh.resolve(Finetuner.BEST).toString(), "--epochs", "1",
                "--stage2-epochs", "0", "--output", kept.toString()));
        assertEquals(0, d.status(), d.err());
        assertRegularisation(kept.resolve(Finetuner.BEST), 0.3, 0.1); // without the options the folder's values stay
    }

    private static void assertRegularisation(Path folder, double dropout, double temperature) throws Exception {
        JsonNode config = JSON.readTree(folder.resolve(Checkpoint.CONFIG_FILE).toFile());
        assertEquals(dropout, config.get("hidden_dropout_prob").asDouble(), folder.toString());
        assertEquals(dropout, config.get("attention_probs_dropout_prob").asDouble(), folder.toString());
        assertEquals(temperature, config.get("temp").asDouble(), folder.toString());
    }

    @Test
    void everyTargetTrainsOneExamplePerPositionAfterTheFirst(@TempDir Path tmp) throws Exception {
        Dataset dataset = Dataset.load(data);
        int pairs = 0, users = 16;
        for (int u = 0; u < users; u++) pairs += dataset.train(u).length - 1;
        assertTrue(pairs > 2 * users, "the catalogue's users have longer histories than two items: " + pairs);
        Path every = tmp.resolve("every");
        CommandRun r = run(train("--data", data.toString(), "--max-users", "" + users, "--stage1-epochs", "1", "--stage2-epochs", "0",
                "--targets", "every", "--output", every.toString()));
        assertEquals(0, r.status(), r.err());
        // batches of 8 examples, one optimizer step each
        assertEquals((pairs + 7) / 8, TrainerState.read(every.resolve("last").resolve(TrainerState.FILE_NAME)).step);
        Path random = tmp.resolve("random");
        CommandRun d = run(train("--data", data.toString(), "--max-users", "" + users, "--stage1-epochs", "1", "--stage2-epochs", "0",
                "--output", random.toString()));
        assertEquals(0, d.status(), d.err());
        assertEquals((users + 7) / 8, TrainerState.read(random.resolve("last").resolve(TrainerState.FILE_NAME)).step);
        // histories of one training item each: no pair with a non-empty history
        Path single = copyOfData(tmp);
        ObjectNode train = (ObjectNode) JSON.readTree(single.resolve("train.json").toFile());
        train.fieldNames().forEachRemaining(u -> ((ArrayNode) train.get(u)).removeAll()
                .add(Integer.parseInt(u) % 5));
        Files.writeString(single.resolve("train.json"), JSON.writeValueAsString(train));
        CommandRun none = run(train("--data", single.toString(), "--epochs", "1", "--targets", "every", "--output", tmp.resolve("none").toString()));
        assertEquals(2, none.status(), none.out());
        assertTrue(none.err().contains("has two items, so training on every target has no example"), none.err());
        CommandRun bad = run("train", "--targets", "all", "--output", tmp.resolve("bad").toString());
        assertEquals(2, bad.status(), bad.out());
        assertTrue(bad.err().contains("--targets must be random or every, got 'all'"), bad.err());
    }

    @Test
    void defaultFreshModelIsTheSmallPresetOfBench() {
        TrainCommand command = new TrainCommand();
        new CommandLine(command).parseArgs();
        assertEquals(RecformerRecipe.SMALL, command.freshSize());
    }

    @Test
    void badOptionValuesAreUsageErrors(@TempDir Path tmp) {
        CommandRun lr = run("train", "--lr", "fast", "--output", tmp.resolve("a").toString());
        assertEquals(2, lr.status());
        assertTrue(lr.err().contains("--lr"), lr.err());
        CommandRun negative = run("train", "--negative-samples", "-2", "--output", tmp.resolve("b").toString());
        assertEquals(2, negative.status());
        assertTrue(negative.err().contains("--negative-samples"), negative.err());
        CommandRun batch = run("train", "--batch-size", "0", "--output", tmp.resolve("c").toString());
        assertEquals(2, batch.status());
        assertTrue(batch.err().contains("--batch-size"), batch.err());
        for (String[] bad : new String[][] {{"--dropout", "1"}, {"--dropout", "-0.1"}, {"--temperature", "0"}}) {
            Path out = tmp.resolve("bad" + bad[0] + bad[1]);
            CommandRun r = run("train", bad[0], bad[1], "--output", out.toString());
            assertEquals(2, r.status(), r.out());
            assertTrue(r.err().contains(bad[0] + " must be"), r.err());
            assertFalse(Files.exists(out), "nothing written for a bad " + bad[0]);
        }
    }

    @Test
    void aModelSizeThatCannotFitIsRefusedWithTheNumbers(@TempDir Path tmp) {
        CommandRun overflow = run("train", "--data", data.toString(), "--hidden", "1000000000", "--output", tmp.resolve("a").toString());
        assertEquals(2, overflow.status(), overflow.out());
        assertTrue(overflow.err().contains("--hidden 1000000000: the FFN width 4 x hidden = 4000000000"), overflow.err());
        CommandRun wide = run("train", "--data", data.toString(), "--hidden", "40000", "--heads", "8", "--output", tmp.resolve("b").toString());
        assertEquals(2, wide.status(), wide.out());
        assertTrue(wide.err().contains("model too large"), wide.err());
    }

    static Path copyOfData(Path tmp) throws Exception {
        Path copy = tmp.resolve("data");
        Files.createDirectories(copy);
        try (var files = Files.list(data)) {
            for (Path f : (Iterable<Path>) files::iterator) if (Files.isRegularFile(f)) Files.copy(f, copy.resolve(f.getFileName()));
        }
        return copy;
    }

    private static List<String> names(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }
}
