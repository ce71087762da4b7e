package org.recformer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.backend.Backends;
import org.recformer.nn.Module;
import org.recformer.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateDictLoaderTest {
    @TempDir
    Path tmp;

    /** A module tree whose parameters have the given dotted names and shapes, all zero. */
    static final class Tree extends Module {
        Tree(Map<String, int[]> params) {
            Map<String, Map<String, int[]>> grouped = new java.util.LinkedHashMap<>();
            params.forEach((name, shape) -> {
                int dot = name.indexOf('.');
                if (dot < 0) {
                    registerParameter(name, Tensor.zeros(Backends.cpu(), shape));
                } else {
                    grouped.computeIfAbsent(name.substring(0, dot), k -> new java.util.LinkedHashMap<>()).put(name.substring(dot + 1), shape);
                }
            });
            grouped.forEach((child, sub) -> registerModule(child, new Tree(sub)));
        }

        /** The parameters of a state dict whose names pass {@code keep}, with {@code prefix} removed. */
        static Tree of(StateDict sd, Predicate<String> keep, String prefix) {
            Map<String, int[]> params = new java.util.LinkedHashMap<>();
            for (String name : sd.names()) {
                if (keep.test(name)) params.put(name.startsWith(prefix) ? name.substring(prefix.length()) : name, sd.get(name).intShape());
            }
            return new Tree(params);
        }
    }

    private static Tree encoder() {
        return new Tree(Map.of("dense.weight", new int[] {3, 2}, "dense.bias", new int[] {3}));
    }

    /** A pretraining-style model: the encoder under 'longformer.' plus an LM head. */
    private static Tree withHead() {
        return new Tree(new java.util.LinkedHashMap<>(Map.of(
                "longformer.dense.weight", new int[] {3, 2}, "longformer.dense.bias", new int[] {3},
                "lm_head.weight", new int[] {2, 3})));
    }

    private static float[] values(Module m, String name) {
        return m.namedParameters().get(name).tensor().toArray();
    }

    private static StateDict checkpoint(String prefix, boolean withBuffer) {
        StateDict sd = new StateDict("ckpt.safetensors");
        sd.put(prefix + "dense.weight", HostTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        sd.put(prefix + "dense.bias", HostTensor.ofFloats(new float[] {-1, -2, -3}, 3));
        if (withBuffer) sd.put(prefix + "embeddings.position_ids", HostTensor.ofLongs(new long[] {0, 1}, 1, 2));
        return sd;
    }

    @Test
    void lightningCheckpointLoadsIntoTheBaseModelAndIntoTheHeadModel() throws IOException {
        StateDict sd = TorchCheckpoint.read(IoFixtures.IO.resolve("lightning.ckpt"));
        Tree base = encoder();
        LoadReport r = StateDictLoader.load(base, sd, true);
        assertTrue(r.isComplete(), r.toString());
        assertEquals("strip '_forward_module.model.', strip 'longformer.'", r.keyLayout());
        assertArrayEquals(sd.get("_forward_module.model.longformer.dense.weight").toFloatArray(), values(base, "dense.weight"));

        Tree head = withHead();
        LoadReport r2 = StateDictLoader.load(head, sd, false);
        assertEquals(List.of("lm_head.weight"), r2.missing());
        assertEquals(List.of(), r2.unexpected());
        assertArrayEquals(sd.get("_forward_module.model.longformer.dense.bias").toFloatArray(), values(head, "longformer.dense.bias"));
    }

    @Test
    void baseCheckpointLoadsIntoAModelWithThePrefix() throws IOException {
        Tree head = withHead();
        LoadReport r = StateDictLoader.load(head, checkpoint("", true), false);
        assertEquals("add 'longformer.'", r.keyLayout());
        assertEquals(List.of("lm_head.weight"), r.missing());
        assertEquals(List.of(), r.unexpected(), "position_ids is a buffer, skipped silently");
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, values(head, "longformer.dense.weight"));
    }

    @Test
    void prefixedCheckpointLoadsIntoTheBaseModelReportingTheHead() throws IOException {
        StateDict sd = checkpoint("longformer.", true);
        sd.put("lm_head.weight", HostTensor.ofFloats(new float[6], 2, 3));
        Tree base = encoder();
        LoadReport r = StateDictLoader.load(base, sd, false);
        assertEquals("strip 'longformer.'", r.keyLayout());
        assertEquals(List.of(), r.missing());
        assertEquals(List.of("lm_head.weight"), r.unexpected());
        assertArrayEquals(new float[] {-1, -2, -3}, values(base, "dense.bias"));

        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> StateDictLoader.load(encoder(), sd, true));
        assertTrue(e.getMessage().contains("ckpt.safetensors") && e.getMessage().contains("unexpected keys [lm_head.weight]"), e.getMessage());
    }

    @Test
    void modelPrefixOfLightningIsStripped() throws IOException {
        LoadReport r = StateDictLoader.load(withHead(), checkpoint("model.longformer.", false), false);
        assertEquals("strip 'model.', names as they are", r.keyLayout());
        assertEquals(List.of("lm_head.weight"), r.missing());
    }

    @Test
    void strictLoadFailsListingMissingKeysAndChangesNothing() {
        Tree head = withHead();
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> StateDictLoader.load(head, checkpoint("longformer.", false), true));
        assertTrue(e.getMessage().contains("missing keys [lm_head.weight]") && e.getMessage().contains("Tree"), e.getMessage());
        assertArrayEquals(new float[6], values(head, "longformer.dense.weight"));
    }

    @Test
    void shapeMismatchNamesTheKeyAndBothShapesAndChangesNothing() {
        StateDict sd = checkpoint("longformer.", false);
        StateDict wrong = new StateDict("wrong.bin");
        wrong.put("longformer.dense.weight", HostTensor.ofFloats(new float[6], 2, 3));
        wrong.put("longformer.dense.bias", sd.get("longformer.dense.bias"));
        Tree base = encoder();
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> StateDictLoader.load(base, wrong, false));
        assertTrue(e.getMessage().startsWith("wrong.bin: shape mismatch")
                && e.getMessage().contains("'longformer.dense.weight' (model 'dense.weight'): checkpoint [2, 3], model [3, 2]"), e.getMessage());
        assertArrayEquals(new float[3], values(base, "dense.bias"), "nothing copied");
    }

    @Test
    void halfPrecisionValuesAreConvertedExactly() throws IOException {
        StateDict half = SafeTensors.read(IoFixtures.IO.resolve("f16_bf16.safetensors"));
        Tree m = new Tree(Map.of("half", new int[] {2, 3}, "bfloat16", new int[] {4}));
        LoadReport r = StateDictLoader.load(m, half, false);
        assertEquals(List.of("double", "int", "bool"), r.unexpected());
        assertArrayEquals(half.get("half").toFloatArray(), values(m, "half"));
        assertArrayEquals(new float[] {1f, -2.5f, 3.140625f, 65536f}, values(m, "bfloat16"));
    }

    @Test
    void aModelSavedAndLoadedBackKeepsItsValues() throws IOException {
        Tree a = withHead();
        StateDictLoader.load(a, checkpoint("longformer.", false), false);
        Path file = tmp.resolve("saved.safetensors");
        SafeTensors.write(file, StateDicts.fromModel(a));
        Tree b = withHead();
        LoadReport r = StateDictLoader.load(b, StateDicts.read(file), true);
        assertTrue(r.isComplete());
        for (String name : a.namedParameters().keySet()) assertArrayEquals(values(a, name), values(b, name), name);
    }

    @Test
    void realParityCheckpointLoadsIntoTheBaseModelLayout() throws IOException {
        StateDict sd = StateDicts.read(IoFixtures.PARITY.resolve("dev-tiny"));
        assertTrue(sd.source().endsWith("model.safetensors"));
        StateDict bin = StateDicts.read(IoFixtures.PARITY.resolve("dev-tiny/pytorch_model.bin"));
        Tree base = Tree.of(sd, n -> n.startsWith("longformer.") && !n.endsWith("position_ids"), "longformer.");
        LoadReport r = StateDictLoader.load(base, bin, false);
        assertEquals("strip 'longformer.'", r.keyLayout());
        assertEquals(List.of(), r.missing());
        assertEquals(List.of("lm_head.bias", "lm_head.dense.weight", "lm_head.dense.bias", "lm_head.layer_norm.weight",
                "lm_head.layer_norm.bias", "lm_head.decoder.weight", "lm_head.decoder.bias"), r.unexpected());
        assertArrayEquals(sd.get("longformer.encoder.layer.1.output.dense.weight").toFloatArray(),
                values(base, "encoder.layer.1.output.dense.weight"));
    }
}
