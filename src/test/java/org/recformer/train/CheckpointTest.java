package org.recformer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.backend.Backends;
import org.recformer.model.ModelInit;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.nn.Parameter;
import org.recformer.tensor.Tensor;
import org.recformer.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {

    static RecformerConfig tinyConfig(int items) throws Exception {
        return RecformerConfig.fromJson(new ObjectMapper().readTree("{\"vocab_size\": 60, \"hidden_size\": 8,"
                + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": 16, \"attention_window\": [4],"
                + " \"max_position_embeddings\": 40, \"max_item_embeddings\": 6, \"layer_norm_eps\": 1e-5,"
                + " \"pad_token_id\": 1, \"item_num\": " + items + "}"));
    }

    private static RecformerForSeqRec model(RecformerConfig config, long seed) {
        RecformerForSeqRec m = new RecformerForSeqRec(config, Backends.cpu(), 1);
        ModelInit.initialize(m, config, seed);
        return m;
    }

    @Test
    void savedFolderRestoresWeightsOptimizerStateAndTokenizer(@TempDir Path tmp) throws Exception {
        RecformerConfig config = tinyConfig(5);
        RecformerForSeqRec model = model(config, 7);
        AdamW adam = new AdamW(model.namedParameters(), 0.01f);
        for (Parameter p : model.namedParameters().values()) {
            if (p.isFrozen()) continue;
            p.tensor().accumulateGrad(Tensor.full(p.tensor().backend(), 0.5f, p.shape()));
        }
        adam.step(1e-2f, AdamW.unclipped(Backends.cpu()));
        TrainerState state = TrainerState.start(99, 1);
        state.step = 1;
        state.epoch = 1;
        state.recordEvaluation(0.25);
        Path dir = tmp.resolve("run/last");
        Checkpoint.save(dir, config, model, Tokenizer.bundled(), state, adam, folder -> Files.writeString(folder.resolve("extra.txt"), "x"));

        assertTrue(Files.isRegularFile(dir.resolve("encoder.json")));
        assertTrue(Files.isRegularFile(dir.resolve("extra.txt")));
        assertNotNull(Checkpoint.tokenizerOrNull(dir));
        assertEquals(Tokenizer.bundled().fingerprint(), Checkpoint.tokenizerOrNull(dir).fingerprint());
        RecformerForSeqRec loaded = model(Checkpoint.readConfig(dir), 8);
        assertTrue(Checkpoint.loadWeights(dir, loaded, true).isComplete());
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            assertArrayEquals(e.getValue().tensor().toArray(), loaded.namedParameters().get(e.getKey()).tensor().toArray(), e.getKey());
        }
        AdamW restored = new AdamW(loaded.namedParameters(), 0.01f);
        Checkpoint.loadOptimizer(dir, restored);
        assertEquals(1, restored.stepCount());
        for (Map.Entry<String, Tensor> e : adam.state().entrySet()) {
            assertArrayEquals(e.getValue().toArray(), restored.state().get(e.getKey()).toArray(), e.getKey());
        }
        TrainerState read = TrainerState.read(dir.resolve(TrainerState.FILE_NAME));
        assertEquals(0.25, read.bestMetric);
        assertEquals(1, read.bestEpoch);
        assertEquals(99, read.seed);
        assertEquals(1, read.validation.size());
    }

    @Test
    void replacingKeepsOneCompleteFolderAndRecoverPutsBackASetAsideOne(@TempDir Path tmp) throws Exception {
        RecformerConfig config = tinyConfig(3);
        Path dir = tmp.resolve("last");
        Checkpoint.save(dir, config, model(config, 1), Tokenizer.bundled(), null, null, null);
        Checkpoint.save(dir, config, model(config, 2), Tokenizer.bundled(), null, null, null);
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary or old folder is left behind");
        }
        // a crash between setting the old folder aside and renaming the new one into place
        Files.move(dir, tmp.resolve(".last.old"));
        assertFalse(Files.exists(dir));
        assertTrue(Checkpoint.recover(dir));
        assertTrue(Files.isRegularFile(dir.resolve(Checkpoint.MODEL_FILE)));
    }

    @Test
    void shapesThatDoNotMatchTheConfigAreRejectedNamingTheFile(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("m");
        Checkpoint.save(dir, tinyConfig(3), model(tinyConfig(3), 1), Tokenizer.bundled(), null, null, null);
        RecformerForSeqRec other = model(tinyConfig(4), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadWeights(dir, other, true));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("item_embedding.weight"), e.getMessage());
    }

    @Test
    void epochRandomDependsOnlyOnSeedEpochAndPurpose() {
        TrainerState a = TrainerState.start(5, 1);
        TrainerState b = TrainerState.start(5, 2);
        b.step = 100;
        assertEquals(a.epochRandom(3, 0).nextLong(), b.epochRandom(3, 0).nextLong());
        assertTrue(a.epochRandom(3, 0).nextLong() != a.epochRandom(4, 0).nextLong());
        assertTrue(a.epochRandom(3, 0).nextLong() != a.epochRandom(3, 1).nextLong());
        assertTrue(a.epochRandom(3, 0).nextLong() != TrainerState.start(6, 1).epochRandom(3, 0).nextLong());
    }
}
