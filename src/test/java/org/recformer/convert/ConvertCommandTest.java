package org.recformer.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.backend.Backends;
import org.recformer.io.DType;
import org.recformer.io.HostTensor;
import org.recformer.io.LoadReport;
import org.recformer.io.SafeTensors;
import org.recformer.io.StateDict;
import org.recformer.io.StateDictLoader;
import org.recformer.io.StateDicts;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.model.RecformerModel;
import org.recformer.model.TiedWeights;
import org.recformer.testing.CommandRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code recformer convert} on real-format files: the python-made torch.save / Lightning fixtures of
 * test-fixtures/convert (values checked against numpy's expected.json) and safetensors built from
 * the dev-tiny parity weights. Results are loaded strictly into the target model.
 */
class ConvertCommandTest {
    private static final Path FIXTURES = Path.of("test-fixtures/convert");
    private static final Path LONGFORMER_MLM = FIXTURES.resolve("longformer-mlm");
    private static final Path LIGHTNING = FIXTURES.resolve("pretrain/last.ckpt");
    private static final Path TINY = Path.of("test-fixtures/parity/dev-tiny");
    private static final String TOKEN_TYPES = "longformer.embeddings.token_type_embeddings.weight";
    private static final String ITEM_POSITIONS = "longformer.embeddings.item_position_embeddings.weight";
    private static final String WORDS = "longformer.embeddings.word_embeddings.weight";

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    private static CommandRun runOk(String... args) {
        CommandRun r = run(args);
        assertEquals(0, r.status(), () -> "exit code; stderr: " + r.err());
        return r;
    }

    /** The tensors of a tools/make_convert_fixtures.py expected.json (numpy's values). */
    private static Map<String, float[]> expected(String name) throws IOException {
        JsonNode root = new ObjectMapper().readTree(FIXTURES.resolve(name + ".expected.json").toFile());
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode values = e.getValue().get("values");
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) values.get(i).asDouble();
            out.put(e.getKey(), v);
        }
        return out;
    }

    /** Loads a converted pretraining folder strictly into RecformerForPretraining; returns its raw state dict. */
    private static StateDict loadPretraining(Path dir) throws IOException {
        RecformerConfig config = RecformerConfig.read(dir.resolve("config.json"));
        StateDict sd = StateDicts.read(dir);
        LoadReport report = StateDictLoader.load(new RecformerForPretraining(config, Backends.cpu(), 0), TiedWeights.forLoading(sd), true);
        assertEquals("names as they are", report.keyLayout());
        return sd;
    }

    private static void assertRowsAreCopiesOf(float[] row, HostTensor table) {
        float[] v = table.toFloatArray();
        for (int i = 0; i < v.length; i++) assertEquals(row[i % row.length], v[i], 0f, "element " + i);
    }

    /** Finite, mean about 0 and standard deviation about initializer_range 0.02 (HuggingFace's normal init). */
    private static void assertRandomNormal(HostTensor t, double tolerance) {
        float[] v = t.toFloatArray();
        double sum = 0;
        double sq = 0;
        for (float x : v) {
            assertTrue(Float.isFinite(x));
            sum += x;
            sq += (double) x * x;
        }
        double mean = sum / v.length;
        double std = Math.sqrt(sq / v.length - mean * mean);
        assertEquals(0.02, std, 0.02 * tolerance, "standard deviation");
        assertEquals(0, mean, 4 * 0.02 / Math.sqrt(v.length), "mean");
    }

    // ---------------------------------------------------------------- convert longformer

    @Test
    void longformerTorchCheckpointIsCopiedByName(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("recformer");
        CommandRun r = runOk("convert", "longformer", "--input", LONGFORMER_MLM.toString(), "--output", out.toString(),
                "--max-item-embeddings", "5", "--attention-window", "4");
        assertTrue(r.out().contains("longformer.pooler.dense.weight"), r.out()); // reported as dropped

        RecformerConfig config = RecformerConfig.read(out.resolve("config.json"));
        assertEquals(5, config.maxItemEmbeddings());
        assertEquals(3, config.maxAttrNum());
        assertEquals(32, config.maxAttrLength());
        assertEquals(1024, config.maxTokenNum());
        assertEquals(4, config.tokenTypeSize());
        assertEquals(List.of("RecformerForPretraining"),
                List.of(new ObjectMapper().treeToValue(config.toJson().get("architectures"), String[].class)));

        StateDict sd = loadPretraining(out);
        Map<String, float[]> expected = expected("longformer-mlm");
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            String name = e.getKey();
            if (name.contains("pooler") || name.equals(TOKEN_TYPES)) continue;
            assertArrayEquals(e.getValue(), sd.get(name).toFloatArray(), 0f, name);
            assertEquals(name.endsWith("position_ids") ? DType.I64 : DType.F32, sd.get(name).dtype(), name);
        }
        assertArrayEquals(new long[] {4, 8}, sd.get(TOKEN_TYPES).shape());
        assertRowsAreCopiesOf(expected.get(TOKEN_TYPES), sd.get(TOKEN_TYPES));
        assertArrayEquals(new long[] {5, 8}, sd.get(ITEM_POSITIONS).shape());
        assertRandomNormal(sd.get(ITEM_POSITIONS), 0.4);
        assertFalse(sd.contains("longformer.pooler.dense.weight"));
    }

    /** dev-tiny's weights as a Longformer safetensors checkpoint: one token type row, no item positions, tied decoder omitted. */
    private static Path devTinyAsLongformer(Path dir) throws IOException {
        StateDict tiny = StateDicts.read(TINY.resolve("model.safetensors"));
        StateDict longformer = new StateDict("dev-tiny as Longformer");
        for (Map.Entry<String, HostTensor> e : tiny.tensors().entrySet()) {
            String name = e.getKey();
            if (name.equals(ITEM_POSITIONS) || name.equals("lm_head.decoder.weight")) continue;
            HostTensor t = e.getValue();
            if (name.equals(TOKEN_TYPES)) t = HostTensor.ofFloats(Arrays.copyOf(t.toFloatArray(), 48), 1, 48);
            longformer.put(name, t);
        }
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve("model.safetensors"), longformer);
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(TINY.resolve("config.json").toFile());
        for (String recformerKey : List.of("token_type_size", "max_token_num", "max_item_embeddings", "max_attr_num", "max_attr_length",
                "pooler_type", "temp", "mlm_weight", "item_num", "finetune_negative_sample_size")) {
            config.remove(recformerKey);
        }
        config.putArray("architectures").add("LongformerForMaskedLM");
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    @Test
    void longformerSafetensorsWithTiedDecoderIsCopiedByName(@TempDir Path tmp) throws IOException {
        Path input = devTinyAsLongformer(tmp.resolve("longformer"));
        Path out = tmp.resolve("recformer");
        CommandRun r = runOk("convert", "longformer", "--input", input.toString(), "--output", out.toString(),
                "--max-item-embeddings", "11", "--attention-window", "12", "--seed", "3");
        assertTrue(r.out().contains("lm_head.decoder.weight <- " + WORDS), r.out());

        StateDict converted = loadPretraining(out);
        StateDict tiny = StateDicts.read(TINY.resolve("model.safetensors"));
        for (String name : tiny.names()) {
            if (name.equals(TOKEN_TYPES) || name.equals(ITEM_POSITIONS) || name.equals("lm_head.decoder.weight")) continue;
            assertTrue(tiny.get(name).sameAs(converted.get(name)), name);
        }
        assertArrayEquals(tiny.get(WORDS).toFloatArray(), converted.get("lm_head.decoder.weight").toFloatArray(), 0f);
        assertRowsAreCopiesOf(Arrays.copyOf(tiny.get(TOKEN_TYPES).toFloatArray(), 48), converted.get(TOKEN_TYPES));
        assertArrayEquals(new long[] {11, 48}, converted.get(ITEM_POSITIONS).shape());
        assertRandomNormal(converted.get(ITEM_POSITIONS), 0.15);
        assertEquals("[12,12]", RecformerConfig.read(out.resolve("config.json")).toJson().get("attention_window").toString());
    }

    // ---------------------------------------------------------------- convert pretrained

    @Test
    void lightningCheckpointIntoRecformerModel(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("model");
        CommandRun r = runOk("convert", "pretrained", "--input", LIGHTNING.toString(), "--output", out.toString(), "--target", "model");
        assertTrue(r.out().contains("_forward_module.model.lm_head.dense.weight"), r.out()); // dropped

        RecformerConfig config = RecformerConfig.read(out.resolve("config.json"));
        StateDict sd = StateDicts.read(out);
        assertEquals("names as they are", StateDictLoader.load(new RecformerModel(config, Backends.cpu(), 0), sd, true).keyLayout());
        String prefix = "_forward_module.model.longformer.";
        int compared = 0;
        for (Map.Entry<String, float[]> e : expected("pretrain").entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            assertArrayEquals(e.getValue(), sd.get(e.getKey().substring(prefix.length())).toFloatArray(), 0f, e.getKey());
            compared++;
        }
        assertEquals(compared, sd.size());
        assertEquals("[\"RecformerModel\"]", config.toJson().get("architectures").toString());
    }

    @Test
    void lightningCheckpointIntoSeqRecWithFrozenWordEmbeddings(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("seqrec");
        runOk("convert", "pretrained", "--input", LIGHTNING.toString(), "--output", out.toString(), "--target", "seqrec",
                "--word-embeddings-from", LONGFORMER_MLM.toString());

        RecformerConfig config = RecformerConfig.read(out.resolve("config.json")).with("item_num", 3);
        StateDict sd = StateDicts.read(out);
        LoadReport report = StateDictLoader.load(new RecformerForSeqRec(config, Backends.cpu(), 0), sd, false);
        assertEquals(List.of("item_embedding.weight"), report.missing()); // built at finetuning from the items
        assertEquals(List.of(), report.unexpected());
        assertEquals("names as they are", report.keyLayout());
        assertArrayEquals(expected("longformer-mlm").get(WORDS), sd.get(WORDS).toFloatArray(), 0f);
        Map<String, float[]> pretrain = expected("pretrain");
        String layer = "longformer.encoder.layer.0.attention.self.query_global.weight";
        assertArrayEquals(pretrain.get("_forward_module.model." + layer), sd.get(layer).toFloatArray(), 0f);
    }

    @Test
    void longformerThenPretrainedRoundTrip(@TempDir Path tmp) throws IOException {
        Path pretraining = tmp.resolve("pretraining");
        runOk("convert", "longformer", "--input", LONGFORMER_MLM.toString(), "--output", pretraining.toString(),
                "--max-item-embeddings", "5", "--attention-window", "4");
        Path model = tmp.resolve("model");
        runOk("convert", "pretrained", "--input", pretraining.toString(), "--output", model.toString(), "--target", "model");
        StateDict before = StateDicts.read(pretraining);
        StateDict after = StateDicts.read(model);
        for (String name : after.names()) assertTrue(before.get("longformer." + name).sameAs(after.get(name)), name);
    }

    // ---------------------------------------------------------------- bad input: exit code 2, one clear line

    private static void assertFails(String fragment, String... args) {
        CommandRun r = run(args);
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains(fragment), () -> "stderr should mention '" + fragment + "': " + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aFolderWithoutCheckpointIsAnError(@TempDir Path tmp) throws IOException {
        Files.copy(LONGFORMER_MLM.resolve("config.json"), tmp.resolve("config.json"));
        assertFails(tmp + ": no model.safetensors or pytorch_model.bin",
                "convert", "longformer", "--input", tmp.toString(), "--output", tmp.resolve("out").toString());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void aTruncatedCheckpointIsAnError(@TempDir Path tmp) throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.copy(LONGFORMER_MLM.resolve("config.json"), in.resolve("config.json"));
        byte[] bytes = Files.readAllBytes(LONGFORMER_MLM.resolve("pytorch_model.bin"));
        Files.write(in.resolve("pytorch_model.bin"), Arrays.copyOf(bytes, bytes.length / 2));
        assertFails(in.resolve("pytorch_model.bin").toString(),
                "convert", "longformer", "--input", in.toString(), "--output", tmp.resolve("out").toString());
    }

    @Test
    void aCheckpointThatDoesNotFitTheConfigIsAnError(@TempDir Path tmp) {
        assertFails("shape mismatch", "convert", "longformer", "--input", TINY.resolve("model.safetensors").toString(),
                "--config", LONGFORMER_MLM.toString(), "--output", tmp.resolve("out").toString());
        assertFails("'embeddings.word_embeddings.weight': checkpoint [800, 48], model [30, 8]", "convert", "pretrained",
                "--input", TINY.toString(), "--config", LONGFORMER_MLM.toString(), "--output", tmp.resolve("out").toString(),
                "--target", "model");
    }

    @Test
    void aLongformerCheckpointIsNotAPretrainedOne(@TempDir Path tmp) {
        assertFails("longformer-mlm/pytorch_model.bin: shape mismatch for 1 tensor(s): 'embeddings.token_type_embeddings.weight': checkpoint [1, 8], model [4, 8]",
                "convert", "pretrained",
                "--input", LONGFORMER_MLM.toString(), "--config", FIXTURES.resolve("pretrain").toString(),
                "--output", tmp.resolve("out").toString(), "--target", "model");
    }

    /** dev-tiny's checkpoint without one encoder tensor, with its config. */
    private static Path devTinyWithout(Path dir, String dropped) throws IOException {
        StateDict tiny = StateDicts.read(TINY.resolve("model.safetensors"));
        StateDict cut = new StateDict("cut");
        for (Map.Entry<String, HostTensor> e : tiny.tensors().entrySet()) if (!e.getKey().equals(dropped)) cut.put(e.getKey(), e.getValue());
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve("model.safetensors"), cut);
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        return dir;
    }

    @Test
    void anIncompleteEncoderIsAnError(@TempDir Path tmp) throws IOException {
        Path in = devTinyWithout(tmp.resolve("in"), "longformer.encoder.layer.1.output.dense.weight");
        assertFails("model.safetensors: the encoder is incomplete: missing 1 tensor(s) [encoder.layer.1.output.dense.weight]",
                "convert", "pretrained", "--input", in.toString(), "--output", tmp.resolve("out").toString(), "--target", "model");
        assertFails("model.safetensors: not a complete Longformer checkpoint: missing 1 encoder tensor(s) [longformer.encoder.layer.1.output.dense.weight]",
                "convert", "longformer", "--input", in.toString(), "--output", tmp.resolve("out").toString(), "--max-item-embeddings", "11");
    }

    @Test
    void wordEmbeddingsFromAFileWithoutThemIsAnError(@TempDir Path tmp) throws IOException {
        StateDict other = new StateDict("other");
        other.put("lm_head.bias", HostTensor.ofFloats(new float[30], 30));
        SafeTensors.write(tmp.resolve("other.safetensors"), other);
        assertFails(tmp.resolve("other.safetensors") + ": has no word embeddings", "convert", "pretrained", "--input", LIGHTNING.toString(),
                "--output", tmp.resolve("out").toString(), "--target", "seqrec", "--word-embeddings-from", tmp.resolve("other.safetensors").toString());
    }

    @Test
    void aCheckpointFileWithoutConfigNeedsConfigOption(@TempDir Path tmp) throws IOException {
        Files.copy(LIGHTNING, tmp.resolve("last.ckpt"));
        assertFails("pass --config", "convert", "pretrained", "--input", tmp.resolve("last.ckpt").toString(),
                "--output", tmp.resolve("out").toString(), "--target", "model");
        runOk("convert", "pretrained", "--input", tmp.resolve("last.ckpt").toString(), "--config",
                FIXTURES.resolve("pretrain/config.json").toString(), "--output", tmp.resolve("out").toString(), "--target", "model");
    }

    @Test
    void anUnknownTargetIsAnError(@TempDir Path tmp) {
        assertFails("--target must be 'model' or 'seqrec'", "convert", "pretrained", "--input", LIGHTNING.toString(),
                "--output", tmp.resolve("out").toString(), "--target", "lm");
    }

    @Test
    void aNonEmptyOutputFolderIsLeftAlone(@TempDir Path tmp) throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertFails("output folder exists and is not empty", "convert", "pretrained", "--input", LIGHTNING.toString(),
                "--output", out.toString(), "--target", "model");
        try (var files = Files.list(out)) {
            assertEquals(List.of(out.resolve("keep.txt")), files.toList());
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList()); // no temporary folder left behind
        }
    }
}
