package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.recformer.tensor.Buffer;

import java.util.Arrays;

/** {@code CpuBackend.fill}, split across cores: every element of NaN-poisoned buffers of any length written, bit for bit. */
class CpuFillTest {

    @ParameterizedTest(name = "n {0}")
    @ValueSource(ints = {1, 2, 16383, 16384, 16385, 5 * 16384 + 3, 1 << 20, 3_000_001})
    void writesEveryElement(int n) {
        CpuBackend backend = new CpuBackend();
        for (float value : new float[] {2.5f, -0f, 0f}) {
            Buffer buffer = backend.allocate(n);
            Arrays.fill(((CpuBuffer) buffer).data(), Float.NaN);
            backend.fill(buffer, value);
            float[] x = ((CpuBuffer) buffer).data();
            for (int i = 0; i < n; i++) {
                if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(value)) {
                    Assertions.fail("element " + i + " of " + n + " is " + x[i] + ", expected " + value);
                }
            }
        }
    }
}
