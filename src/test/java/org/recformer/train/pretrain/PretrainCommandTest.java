package org.recformer.train.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.backend.Backends;
import org.recformer.io.HostTensor;
import org.recformer.io.SafeTensors;
import org.recformer.io.StateDict;
import org.recformer.io.StateDicts;
import org.recformer.model.ModelInit;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.testing.CommandRun;
import org.recformer.testing.SharedFiles;
import org.recformer.train.Checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code recformer pretrain} from the command line: a tiny run, then bad input (one message naming the file, exit 2). */
class PretrainCommandTest {
    @TempDir
    static Path shared;
    static Path corpus;
    static Path tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void corpusAndTokenizer() throws IOException {
        corpus = PretrainTesting.corpus(shared);
        tokenizer = PretrainTesting.byteTokenizer(shared);
    }

    /** Runs a tiny pretraining job; {@code more} are option-value pairs that replace or add to the defaults (or flags). */
    private static CommandRun pretrain(Path data, Path output, String... more) {
        Map<String, String> options = new LinkedHashMap<>();
        String[] defaults = {"--data", data.toString(), "--output", output.toString(), "--tokenizer", tokenizer.toString(),
                "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32", "--max-tokens", "64", "--batch", "4",
                "--accumulation", "1", "--max-steps", "2", "--eval-steps", "2", "--eval-sequences", "8", "--warmup-steps", "0",
                "--lr", "1e-3"};
        for (int i = 0; i < defaults.length; i += 2) options.put(defaults[i], defaults[i + 1]);
        List<String> flags = new ArrayList<>();
        for (int i = 0; i < more.length; i++) {
            if (more[i].equals("--resume")) flags.add(more[i]);
            else options.put(more[i], more[++i]);
        }
        List<String> args = new ArrayList<>(List.of("pretrain"));
        options.forEach((k, v) -> args.addAll(List.of(k, v)));
        args.addAll(flags);
        return PretrainTesting.run(args.toArray(String[]::new));
    }

    private static void assertBadInput(CommandRun run, String... fragments) {
        assertEquals(2, run.status(), run.out() + run.err());
        for (String f : fragments) assertTrue(run.err().contains(f), "expected '" + f + "' in: " + run.err());
        assertEquals(1, run.err().strip().lines().count(), "one message: " + run.err());
    }

    private static Path copyCorpus(Path to) throws IOException {
        Files.createDirectories(to);
        for (String name : List.of("meta_data.json", "train.json", "dev.json")) Files.copy(corpus.resolve(name), to.resolve(name));
        return to;
    }

    @Test
    void frozenWordEmbeddingsStayAtTheirInitialValues() throws IOException {
        Path output = dir.resolve("run");
        CommandRun run = pretrain(corpus, output, "--seed", "3");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("pretraining finished after 2 steps"), run.out());
        Path last = output.resolve("last");
        RecformerConfig config = Checkpoint.readConfig(last);
        RecformerForPretraining initial = new RecformerForPretraining(config, Backends.cpu(), 0);
        ModelInit.initialize(initial, config, 3);
        StateDict trained = StateDicts.read(last);
        String words = "longformer.embeddings.word_embeddings.weight";
        assertArrayEquals(initial.namedParameters().get(words).tensor().toArray(), trained.get(words).toFloatArray());
        String query = "longformer.encoder.layer.0.attention.self.query.weight";
        assertFalse(Arrays.equals(initial.namedParameters().get(query).tensor().toArray(), trained.get(query).toFloatArray()));

        // The same output folder again, without --resume, is refused.
        assertBadInput(pretrain(corpus, output), output.toString(), "--resume");
    }

    @Test
    void startsFromALongformerCheckpointWithTheNewTablesRandom() throws IOException {
        Path output = dir.resolve("run");
        assertEquals(0, pretrain(corpus, output).status());
        // A Longformer-shaped folder: no Recformer config fields, a 1-row token type table, no item-position table.
        Path longformer = dir.resolve("longformer");
        Files.createDirectories(longformer);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(output.resolve("last/config.json").toFile());
        for (String key : List.of("token_type_size", "max_token_num", "max_item_embeddings", "max_attr_num", "max_attr_length",
                "pooler_type", "temp", "mlm_weight", "item_num", "finetune_negative_sample_size")) config.remove(key);
        json.writeValue(longformer.resolve("config.json").toFile(), config);
        StateDict recformer = StateDicts.read(output.resolve("last"));
        StateDict weights = new StateDict("test");
        recformer.tensors().forEach((name, t) -> {
            if (name.endsWith("token_type_embeddings.weight")) weights.put(name, HostTensor.ofFloats(new float[16], 1, 16));
            else if (!name.contains("item_position_embeddings")) weights.put(name, t);
        });
        SafeTensors.write(longformer.resolve("model.safetensors"), weights);
        for (String name : List.of("vocab.json", "merges.txt")) Files.copy(tokenizer.resolve(name), longformer.resolve(name));

        CommandRun run = pretrain(corpus, dir.resolve("from-longformer"), "--model", longformer.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("a Longformer"), run.out());
        assertTrue(run.out().contains("2 parameter(s) not in the checkpoint (random): [longformer.embeddings.token_type_embeddings.weight, "
                + "longformer.embeddings.item_position_embeddings.weight]"), run.out());
        RecformerConfig started = Checkpoint.readConfig(dir.resolve("from-longformer/last"));
        assertEquals(51, started.maxItemEmbeddings());
        assertEquals(64, started.maxTokenNum(), "max_token_num is cut to the 66-row position table (pad 1)");
        assertEquals(3, started.maxAttrNum());
    }

    @Test
    void missingCorpusFileIsNamed() throws IOException {
        Path data = copyCorpus(dir.resolve("data"));
        Files.delete(data.resolve("dev.json"));
        assertBadInput(pretrain(data, dir.resolve("out")), data.resolve("dev.json").toString(), "file is missing");
    }

    @Test
    void asinWithoutMetadataIsNamed() throws IOException {
        Path data = copyCorpus(dir.resolve("data"));
        Files.writeString(data.resolve("train.json"), "[[\"B004LLIKVU\", \"NOT-AN-ASIN\"]]");
        assertBadInput(pretrain(data, dir.resolve("out")), data.resolve("train.json").toString(), "NOT-AN-ASIN", "meta_data.json");
    }

    @Test
    void malformedJsonIsNamed() throws IOException {
        Path data = copyCorpus(dir.resolve("data"));
        Files.writeString(data.resolve("meta_data.json"), "{\"B004LLIKVU\": {\"title\": 3}}");
        assertBadInput(pretrain(data, dir.resolve("out")), data.resolve("meta_data.json").toString(), "must be a string");
    }

    @Test
    void aFinetuningDatasetFolderIsAcceptedAndItsProblemsNamed() throws IOException {
        Path data = dir.resolve("dataset");
        Files.createDirectories(data);
        try (Stream<Path> files = Files.list(SharedFiles.dataFolder("amazon-scientific-small"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, data.resolve(f.getFileName()));
        }
        Files.writeString(data.resolve("val.json"), "{\"0\": [99999]}");
        assertBadInput(pretrain(data, dir.resolve("out")), data.resolve("val.json").toString(), "99999");
    }

    @Test
    void checkpointShapesThatDoNotMatchItsConfigAreNamed() throws IOException {
        Path output = dir.resolve("run");
        assertEquals(0, pretrain(corpus, output).status());
        Path model = output.resolve("last");
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        config.put("intermediate_size", 48);
        json.writeValue(model.resolve("config.json").toFile(), config);
        assertBadInput(pretrain(corpus, dir.resolve("from-bad"), "--model", model.toString()),
                model.resolve("model.safetensors").toString(), "intermediate.dense.weight", "shape mismatch");
    }

    @Test
    void unknownOptionValuesAndMissingRunsAreBadInput() {
        assertBadInput(pretrain(corpus, dir.resolve("a"), "--size", "huge"), "unknown model size 'huge'");
        assertBadInput(pretrain(corpus, dir.resolve("b"), "--batch", "0"), "--batch-size: must be at least 1, got 0");
        assertBadInput(pretrain(corpus, dir.resolve("c"), "--resume"), dir.resolve("c").resolve("last").toString(), "no checkpoint to resume from");
        assertBadInput(pretrain(corpus, dir.resolve("d"), "--tokenizer", dir.resolve("nowhere").toString()), "nowhere");
        assertBadInput(pretrain(corpus, dir.resolve("e"), "--pooler", "max"), "pooler: must be avg or cls, got 'max'");
    }

    @Test
    void theBestCheckpointIsAlsoUnderBest() throws IOException {
        Path output = dir.resolve("best-of-three");
        CommandRun run = pretrain(corpus, output, "--max-steps", "6", "--eval-steps", "2", "--save-top-k", "3");
        assertEquals(0, run.status(), run.out() + run.err());
        List<JsonNode> kept = new ArrayList<>();
        new ObjectMapper().readTree(output.resolve("last").resolve("pretrain_state.json").toFile()).get("kept").forEach(kept::add);
        assertEquals(3, kept.size(), kept.toString());
        String bestFolder = kept.get(0).get("folder").asText();
        for (JsonNode k : kept) assertTrue(kept.get(0).get("accuracy").asDouble() >= k.get("accuracy").asDouble(), kept.toString());
        assertTrue(run.out().contains("best checkpoint: " + output.resolve(bestFolder)), run.out());
        assertArrayEquals(Files.readAllBytes(output.resolve(bestFolder).resolve("model.safetensors")),
                Files.readAllBytes(output.resolve("best").resolve("model.safetensors")), "best/ holds " + bestFolder);
        assertEquals(kept.get(0).get("step").asInt(),
                new ObjectMapper().readTree(output.resolve("best").resolve("trainer_state.json").toFile()).get("step").asInt());
    }

    @Test
    void aRandomModelPoolsAsAskedAndTheCheckpointSaysSo() throws IOException {
        for (String[] c : new String[][] {{"default", null, "avg"}, {"cls", "cls", "cls"}, {"avg", "avg", "avg"}}) {
            Path output = dir.resolve("pool-" + c[0]);
            CommandRun run = c[1] == null ? pretrain(corpus, output) : pretrain(corpus, output, "--pooler", c[1]);
            assertEquals(0, run.status(), run.out() + run.err());
            assertTrue(run.out().contains(c[2] + " pooler"), run.out());
            JsonNode config = new ObjectMapper().readTree(output.resolve("last").resolve("config.json").toFile());
            assertEquals(c[2], config.get("pooler_type").asText(), c[0]);
        }
    }

    @Test
    void aRandomModelWithTheBundledTokenizerTrains() {
        CommandRun run = PretrainTesting.run("pretrain", "--data", corpus.toString(), "--output", dir.resolve("x").toString(),
                "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32", "--max-tokens", "64", "--batch", "2",
                "--max-steps", "1", "--eval-steps", "1", "--eval-sequences", "2", "--warmup-steps", "0");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("vocab 50262"), run.out());
    }

    @Test
    void aDivergingRunStopsNamingTheStep() {
        CommandRun run = pretrain(corpus, dir.resolve("nan"), "--lr", "1e30", "--max-steps", "4", "--eval-steps", "4");
        assertEquals(1, run.status(), run.out() + run.err());
        assertTrue(run.err().matches("(?s)recformer pretrain: the (training loss|gradient norm) is (NaN|-?Infinity) at optimizer step \\d+; training stopped.*"),
                run.err());
    }
}
