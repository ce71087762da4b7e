package org.recformer.train.bench;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.recformer.model.ModelInput;
import org.recformer.model.ModelSize;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerRecipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Row lengths of the benchmark batches: the first row full, the others of mean {@code realTokens} x seq within their range. */
class RandomInputsTest {

    @ParameterizedTest
    @CsvSource({"0.875, 384, 512", "0.5, 1, 512", "0.25, 1, 256", "1.0, 512, 512", "0.05, 1, 51"})
    void rowLengthsHaveTheRequestedMeanAndRange(double realTokens, int shortest, int longest) {
        int seq = 512, batch = 401;
        RecformerConfig config = RecformerRecipe.freshConfig(new ModelSize(16, 1, 2, 32), RecformerRecipe.ROBERTA_VOCAB_SIZE,
                RecformerRecipe.ROBERTA_SPECIALS, seq, 8);
        ModelInput in = new RandomInputs(config, RecformerRecipe.ROBERTA_SPECIALS, 3, realTokens).sequences(batch, seq);
        double total = 0;
        int min = seq, max = 0;
        for (int b = 0; b < batch; b++) {
            int length = 0;
            for (int t = 0; t < seq; t++) length += in.attentionMask()[b * seq + t];
            if (b == 0) {
                assertEquals(seq, length, "the first row is full");
                continue;
            }
            total += length;
            min = Math.min(min, length);
            max = Math.max(max, length);
        }
        double mean = total / (batch - 1) / seq;
        assertEquals(realTokens, mean, 0.04, "mean share of real tokens");
        assertTrue(min >= shortest && max <= longest, "lengths " + min + ".." + max + " outside " + shortest + ".." + longest);
    }
}
