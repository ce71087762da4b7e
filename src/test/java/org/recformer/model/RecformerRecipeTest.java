package org.recformer.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.nn.Parameter;
import org.recformer.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fresh-model recipe, and its token position table sized by what the positions can reach. */
class RecformerRecipeTest {

    @Test
    void freshModelWithTheBundledTokenizerHasOneTableRowPerReachablePosition() {
        Tokenizer tok = Tokenizer.bundled();
        RecformerConfig config = RecformerRecipe.freshConfig(new ModelSize(8, 1, 2, 16), tok.vocabSize(), tok.specials(),
                RecformerRecipe.MAX_TOKEN_NUM, RecformerRecipe.ATTENTION_WINDOW);
        assertEquals(50258, config.padTokenId());
        assertEquals(0, config.positionPaddingIdx());
        assertEquals(RecformerRecipe.MAX_TOKEN_NUM, config.maxTokenPositions());
        RecformerModel model = new RecformerModel(config, Backends.cpu(), 1);
        assertArrayEquals(new int[] {1025, 8}, model.namedParameters().get("embeddings.position_embeddings.weight").shape(),
                "the pad position and 1024 token positions");
    }

    @Test
    void positionsStartAfterThePositionPaddingIndex() {
        int pad = 7;
        int[] ids = {0, 5, pad, 9, pad, pad};
        assertArrayEquals(new int[] {1, 2, 0, 3, 0, 0}, RecformerEmbeddings.positionIds(ids, 1, 6, pad, 0));
        assertArrayEquals(new int[] {8, 9, 7, 10, 7, 7}, RecformerEmbeddings.positionIds(ids, 1, 6, pad, pad), "HuggingFace's rule");
    }

    /** The compact table is the HuggingFace table without its unreachable rows: same weights, same outputs, same length limit. */
    @Test
    void compactTableComputesWhatTheHuggingFaceLayoutComputes() {
        RecformerConfig hf = RecformerModelTest.tiny("avg");
        int pad = hf.padTokenId();
        RecformerConfig compact = hf.with(RecformerConfig.POSITION_PADDING_IDX, 0).with("max_position_embeddings", hf.maxPositionEmbeddings() - pad);
        assertEquals(hf.maxTokenPositions(), compact.maxTokenPositions());
        RecformerModel reference = RecformerModelTest.model(hf);
        RecformerModel model = new RecformerModel(compact, Backends.cpu(), 1);
        model.eval();
        Map<String, Parameter> from = reference.namedParameters();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            float[] values = from.get(e.getKey()).tensor().toArray();
            if (e.getKey().equals("embeddings.position_embeddings.weight")) {
                values = Arrays.copyOfRange(values, pad * hf.hiddenSize(), values.length); // rows below pad are never used
            }
            e.getValue().tensor().copyFrom(values);
        }

        SplittableRandom r = new SplittableRandom(3);
        int[][] full = RecformerModelTest.row(r, 30, 31);  // 62 tokens: every position of the table
        int[][] shorter = RecformerModelTest.row(r, 5, 9);
        ModelInput in = RecformerModelTest.batch(62, full, shorter);
        assertEquals(62, hf.maxTokenPositions());
        assertArrayEquals(reference.forward(in).lastHiddenState().toArray(), model.forward(in).lastHiddenState().toArray());

        ModelInput tooLong = RecformerModelTest.batch(63, RecformerModelTest.row(r, 30, 32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.forward(tooLong));
        assertTrue(e.getMessage().contains("allows at most 62"), e.getMessage());
    }

    @Test
    void positionPaddingIndexIsWrittenBackOnlyWhenGiven() {
        RecformerConfig hf = RecformerModelTest.tiny("cls");
        assertEquals(hf.padTokenId(), hf.positionPaddingIdx());
        assertFalse(hf.toJson().has(RecformerConfig.POSITION_PADDING_IDX), "a HuggingFace config.json stays as it was");
        ObjectNode json = hf.with(RecformerConfig.POSITION_PADDING_IDX, 0).toJson();
        assertEquals(0, RecformerConfig.fromJson(json).positionPaddingIdx());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hf.with(RecformerConfig.POSITION_PADDING_IDX, -1));
        assertTrue(e.getMessage().contains(RecformerConfig.POSITION_PADDING_IDX), e.getMessage());
    }
}
