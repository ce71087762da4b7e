package org.recformer.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.ops.Shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Window padding with a {@code <pad>} id that is no valid item position (the bundled GPT-2 vocabulary). */
class WindowPaddingTest {

    @Test
    void padIdBeyondTheItemPositionsStillEncodesAndLeavesRealPositionsAlone() throws Exception {
        // <pad> = 40 while item positions are 0..7, as with the bundled vocabulary (<pad> 50258, 51 positions)
        RecformerConfig config = RecformerConfig.fromJson(new ObjectMapper().readTree("{\"vocab_size\": 50, \"hidden_size\": 16,"
                + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": 32, \"attention_window\": [8],"
                + " \"max_position_embeddings\": 60, \"max_item_embeddings\": 8, \"layer_norm_eps\": 1e-5, \"pad_token_id\": 40}"));
        RecformerModel model = new RecformerModel(config, Backends.cpu(), 1);
        ModelInit.initialize(model, config, 5);
        model.eval();
        int[] ids = {0, 5, 6, 7, 8, 9};        // 6 tokens: window padding adds 2
        int[] types = {0, 1, 2, 1, 2, 2};
        int[] items = {0, 1, 1, 2, 2, 2};
        ModelInput six = new ModelInput(1, 6, ids, new int[] {1, 1, 1, 1, 1, 1}, new int[] {1, 0, 0, 0, 0, 0}, types, items);
        // the same row already padded to the window by the batch (item position max_item_embeddings - 1, type 3)
        ModelInput eight = new ModelInput(1, 8, new int[] {0, 5, 6, 7, 8, 9, 40, 40}, new int[] {1, 1, 1, 1, 1, 1, 0, 0},
                new int[] {1, 0, 0, 0, 0, 0, 0, 0}, new int[] {0, 1, 2, 1, 2, 2, 3, 3}, new int[] {0, 1, 1, 2, 2, 2, 7, 7});
        float[] a = model.forward(six).lastHiddenState().toArray();
        float[] b = Shapes.slice(model.forward(eight).lastHiddenState(), 1, 0, 6).toArray();
        assertArrayEquals(b, a, 1e-6f);
    }
}
