package org.recformer.model;

import org.junit.jupiter.api.Test;
import org.recformer.io.HostTensor;
import org.recformer.io.StateDict;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TiedWeightsTest {

    @Test
    void decoderBiasFoldsIntoTheHeadBiasAndComesBack() {
        StateDict hf = new StateDict("test");
        hf.put("model.lm_head.bias", HostTensor.ofFloats(new float[] {1, 2}, 2L));
        hf.put("model.lm_head.decoder.weight", HostTensor.ofFloats(new float[] {1, 2, 3, 4}, 2L, 2L));
        hf.put("model.lm_head.decoder.bias", HostTensor.ofFloats(new float[] {9, 9}, 2L));
        StateDict loaded = TiedWeights.forLoading(hf);
        assertEquals(List.of("model.lm_head.bias", "model.lm_head.decoder.weight"), List.copyOf(loaded.names()));
        assertArrayEquals(new float[] {1, 2}, loaded.get("model.lm_head.bias").toFloatArray());

        StateDict onlyDecoder = new StateDict("test");
        onlyDecoder.put("lm_head.decoder.bias", HostTensor.ofFloats(new float[] {3, 4}, 2L));
        assertArrayEquals(new float[] {3, 4}, TiedWeights.forLoading(onlyDecoder).get("lm_head.bias").toFloatArray());

        StateDict saved = TiedWeights.forSaving(loaded);
        assertEquals(List.of("model.lm_head.bias", "model.lm_head.decoder.bias", "model.lm_head.decoder.weight"), List.copyOf(saved.names()));
        assertArrayEquals(new float[] {1, 2}, saved.get("model.lm_head.decoder.bias").toFloatArray());
    }
}
