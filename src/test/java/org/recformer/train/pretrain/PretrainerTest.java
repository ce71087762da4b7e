package org.recformer.train.pretrain;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.backend.Backends;
import org.recformer.io.HostTensor;
import org.recformer.io.LoadReport;
import org.recformer.io.StateDict;
import org.recformer.io.StateDicts;
import org.recformer.model.ModelInit;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.train.Checkpoint;
import org.recformer.train.ModelFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainerTest {

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

    private static Pretrainer.Result run(PretrainOptions options) throws IOException {
        return Pretrainer.run(options, new ModelFactory(Backends.cpu()), new PrintWriter(new StringWriter()), false);
    }

    @Test
    void validationLossFallsAndTheBestCheckpointsAreKeptAndReload() throws IOException {
        Path output = dir.resolve("run");
        Pretrainer.Result result = run(PretrainTesting.options(corpus, tokenizer, output, 1, 12, false));
        assertEquals(12, result.steps());
        PretrainProgress progress = PretrainProgress.read(output.resolve(Pretrainer.LAST));
        List<PretrainProgress.Validation> validations = progress.validation;
        assertEquals(List.of(2, 4, 6, 8, 10, 12), validations.stream().map(PretrainProgress.Validation::step).toList());
        double first = validations.get(0).loss();
        double last = validations.get(validations.size() - 1).loss();
        assertTrue(last < first - 0.05, "validation loss should fall: " + validations);
        assertEquals(12, progress.trainLoss.size());

        // The two kept folders are the two best validations (earlier step first on ties), and only they exist.
        List<String> expected = validations.stream()
                .sorted(Comparator.comparingDouble(PretrainProgress.Validation::accuracy).reversed()
                        .thenComparingInt(PretrainProgress.Validation::step))
                .limit(2).map(v -> String.format("checkpoint-step-%06d", v.step())).sorted().toList();
        try (Stream<Path> files = Files.list(output)) {
            List<String> kept = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint-step-")).sorted().toList();
            assertEquals(expected, kept);
        }
        assertTrue(expected.contains(result.best().folder()), result.best().toString());
        for (String name : List.of("pretrain.log", "loss.png", "validation.png")) assertTrue(Files.size(output.resolve(name)) > 0, name);

        // Every kept checkpoint reloads strictly into a model of its config, and holds trained (not initial) weights.
        for (String folder : expected) {
            Path checkpoint = output.resolve(folder);
            RecformerConfig config = Checkpoint.readConfig(checkpoint);
            assertEquals(16, config.hiddenSize());
            assertEquals(1, config.padTokenId());
            RecformerForPretraining reloaded = new RecformerForPretraining(config, Backends.cpu(), 0);
            LoadReport report = Checkpoint.loadWeights(checkpoint, reloaded, true);
            assertTrue(report.isComplete(), report.toString());
            RecformerForPretraining initial = new RecformerForPretraining(config, Backends.cpu(), 0);
            ModelInit.initialize(initial, config, 7);
            String name = "longformer.encoder.layer.0.attention.self.query.weight";
            assertFalse(Arrays.equals(initial.namedParameters().get(name).tensor().toArray(),
                    reloaded.namedParameters().get(name).tensor().toArray()), folder + " should hold trained weights");
            assertTrue(Checkpoint.tokenizerOrNull(checkpoint) != null, folder + " should carry its tokenizer");
        }
    }

    @Test
    void aResumedRunMakesTheSameUpdatesAsAnUninterruptedOne() throws IOException {
        Path whole = dir.resolve("whole");
        Path killed = dir.resolve("killed");
        run(PretrainTesting.options(corpus, tokenizer, whole, 2, 6, false));
        Pretrainer.runUntil(PretrainTesting.options(corpus, tokenizer, killed, 2, 6, false), new ModelFactory(Backends.cpu()),
                new PrintWriter(new StringWriter()), false, 4);
        assertEquals(2, PretrainProgress.read(killed.resolve(Pretrainer.LAST)).validation.size(), "killed after the step-4 checkpoint");
        Pretrainer.Result resumed = run(PretrainTesting.options(corpus, tokenizer, killed, 2, 6, true));
        assertEquals(6, resumed.steps());
        for (String file : List.of(Checkpoint.MODEL_FILE, Checkpoint.OPTIMIZER_FILE)) {
            StateDict a = StateDicts.read(whole.resolve(Pretrainer.LAST).resolve(file));
            StateDict b = StateDicts.read(killed.resolve(Pretrainer.LAST).resolve(file));
            assertEquals(a.names(), b.names());
            for (String name : a.names()) {
                HostTensor x = a.get(name);
                assertArrayEquals(x.toFloatArray(), b.get(name).toFloatArray(), file + " " + name);
            }
        }
        assertEquals(PretrainProgress.read(whole.resolve(Pretrainer.LAST)).validation,
                PretrainProgress.read(killed.resolve(Pretrainer.LAST)).validation);
    }
}
