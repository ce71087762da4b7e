package org.recformer.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.autograd.GradMode;
import org.recformer.io.HostTensor;
import org.recformer.io.StateDict;
import org.recformer.io.StateDictLoader;
import org.recformer.io.StateDicts;
import org.recformer.model.ModelInput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.model.RecformerModelOutput;
import org.recformer.model.TiedWeights;
import org.recformer.testing.CommandRun;
import org.recformer.tokenizer.SpecialTokens;
import org.recformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny random BERT made by tools/make_encoder_fixtures.py (torch), converted from its ONNX export and
 * from its HuggingFace folder, must give torch's hidden states layer by layer on the real tokens (the
 * sequences are shorter than half the attention window, where sliding-window attention equals full
 * attention), whatever token types and item positions the Recformer input carries.
 */
class EncoderConversionTest {
    private static final Path FIXTURES = Path.of("test-fixtures/encoder");
    /** [CLS] 2, [PAD] 0, [SEP] 3, [UNK] 1, [MASK] 4 in the fixture's (imaginary) vocabulary. */
    private static final SpecialTokens SPECIALS = new SpecialTokens(2, 0, 3, 1, 4);
    private static final EncoderConversion.Settings SETTINGS = new EncoderConversion.Settings(EncoderConversion.Family.BERT, 4, 1e-12,
            40, 16, 8, 3, 8, 4, "cls");

    @Test
    void onnxExportMatchesTorchHiddenStates() throws IOException {
        Path onnx = FIXTURES.resolve("tiny-bert.onnx");
        StateDict weights = OnnxWeights.stateDict(OnnxModel.read(onnx), onnx.toString());
        assertEquals(List.of(16L, 32L), List.of(weights.get("encoder.layer.0.intermediate.dense.weight").shape()[1],
                weights.get("encoder.layer.0.intermediate.dense.weight").shape()[0]), "MatMul weight transposed back to [out, in]");
        assertMatchesTorch(EncoderConversion.convert(weights, SPECIALS, SETTINGS, 1));
    }

    @Test
    void huggingFaceFolderMatchesTorchHiddenStates() throws IOException {
        assertMatchesTorch(EncoderConversion.convert(StateDicts.read(FIXTURES.resolve("tiny-bert-hf")), SPECIALS, SETTINGS, 1));
    }

    @Test
    void positionTableMovesBertRowsBehindThePaddingRowAndRepeats() {
        HostTensor bert = HostTensor.ofFloats(new float[] {10, 11, 20, 21, 30, 31}, 3, 2); // positions 0, 1, 2
        HostTensor table = EncoderConversion.positionTable(bert, 0, 1, 7, "test");
        assertArrayEquals(new float[] {0, 0, 0, 0, 10, 11, 20, 21, 30, 31, 10, 11, 20, 21}, table.toFloatArray());
        HostTensor roberta = HostTensor.ofFloats(new float[] {1, 1, 2, 2, 10, 11, 20, 21}, 4, 2); // pad 1: real rows from 2
        assertArrayEquals(new float[] {1, 1, 2, 2, 10, 11, 20, 21, 10, 11}, EncoderConversion.positionTable(roberta, 2, 1, 5, "test").toFloatArray());
    }

    @Test
    void commandWritesModelAndWordPieceTokenizer(@TempDir Path tmp) throws IOException {
        Path vocab = tmp.resolve("tok");
        Files.createDirectories(vocab);
        StringBuilder tokens = new StringBuilder("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        for (int i = 5; i < 40; i++) tokens.append("w").append(i).append('\n');
        Files.writeString(vocab.resolve("vocab.txt"), tokens.toString());
        Path out = tmp.resolve("out");
        CommandRun r = CommandRun.of("convert", "encoder", "--input", FIXTURES.resolve("tiny-bert.onnx").toString(), "--output", out.toString(),
                "--tokenizer", vocab.toString(), "--heads", "4", "--max-token-num", "40", "--attention-window", "16");
        assertEquals(0, r.status(), r.err());
        RecformerConfig config = RecformerConfig.read(out.resolve("config.json"));
        assertEquals(0, config.padTokenId());
        assertEquals(4, config.numAttentionHeads());
        assertEquals(41, config.maxPositionEmbeddings());
        Tokenizer tokenizer = Tokenizer.load(out);
        assertEquals(new SpecialTokens(2, 0, 3, 1, 4), tokenizer.specials());
        assertArrayEquals(new int[] {7, 1}, tokenizer.encode("W7 x"));
    }

    @Test
    void onnxWithoutHeadsIsAOneLineError(@TempDir Path tmp) {
        CommandRun r = CommandRun.of("convert", "encoder", "--input", FIXTURES.resolve("tiny-bert.onnx").toString(), "--output",
                tmp.resolve("out").toString(), "--tokenizer", tmp.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("pass --heads N") || r.err().contains("no WordPiece tokenizer"), r.err());
    }

    @Test
    void truncatedOnnxFileIsAnErrorNamingTheFile(@TempDir Path tmp) throws IOException {
        byte[] whole = Files.readAllBytes(FIXTURES.resolve("tiny-bert.onnx"));
        Path cut = tmp.resolve("cut.onnx");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> OnnxModel.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": not a valid ONNX (protobuf) file at byte "), e.getMessage());
    }

    private static void assertMatchesTorch(Converted converted) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(FIXTURES.resolve("tiny-bert.expected.json").toFile());
        RecformerForPretraining model = new RecformerForPretraining(converted.config(), org.recformer.backend.Backends.cpu(), 1);
        StateDictLoader.load(model, TiedWeights.forLoading(converted.stateDict()), true);
        int batch = expected.get("input_ids").size();
        int seq = expected.get("input_ids").get(0).size();
        int hidden = expected.get("shape").get(2).asInt();
        int[][] ids = new int[batch][seq];
        int[][] mask = new int[batch][seq];
        int[][] global = new int[batch][seq];
        int[][] types = new int[batch][seq];
        int[][] items = new int[batch][seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                ids[b][t] = expected.get("input_ids").get(b).get(t).asInt();
                mask[b][t] = expected.get("attention_mask").get(b).get(t).asInt();
                types[b][t] = t % 4;      // any token type: the converted table repeats BERT's type 0
                items[b][t] = 1 + t / 2;  // any item position: the new table is zero
            }
            global[b][0] = 1;
        }
        RecformerModelOutput out;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            model.eval();
            out = model.longformer().forward(ModelInput.of(ids, mask, global, types, items), true);
        }
        assertEquals(expected.get("hidden_states").size(), out.hiddenStates().size(), "embeddings + one state per layer");
        for (int s = 0; s < out.hiddenStates().size(); s++) {
            float[] ours = out.hiddenStates().get(s).toArray();
            JsonNode theirs = expected.get("hidden_states").get(s);
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < seq; t++) {
                    if (mask[b][t] == 0) continue; // torch's padded rows are not compared (Recformer masks them out)
                    for (int c = 0; c < hidden; c++) {
                        int i = (b * seq + t) * hidden + c;
                        assertEquals(theirs.get(i).asDouble(), ours[i], 1e-4, "state " + s + " row " + b + " token " + t + " channel " + c);
                    }
                }
            }
        }
    }
}
