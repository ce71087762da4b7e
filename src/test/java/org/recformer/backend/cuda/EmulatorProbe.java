package org.recformer.backend.cuda;

import org.recformer.backend.Backends;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.Precision;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * One small call of five kernels (fill, matmul, the TF32 tensor-core matmul, softmax, sumToShape) on the
 * emulator against the CPU backend; each prints "name: OK", "name: MISMATCH ..." or "name: ERROR ...". {@link CudaEmulatorTest}
 * runs it in a JVM that loads an emulator built from deliberately broken kernels.
 */
final class EmulatorProbe {
    private EmulatorProbe() {}

    public static void main(String[] args) {
        results().forEach((name, outcome) -> System.out.println(name + ": " + outcome));
    }

    static Map<String, String> results() {
        Backend emu = CudaBackend.emulated();
        Map<String, String> results = new LinkedHashMap<>();
        results.put("fill", outcome(emu, be -> {
            Buffer o = be.fromArray(new float[1000]);
            be.fill(o, 2.5f);
            return be.toArray(o);
        }));
        results.put("matmul", outcome(emu, be -> {
            Buffer c = be.allocate(37 * 29);
            be.matmul(be.fromArray(random(37 * 45, 1)), be.fromArray(random(45 * 29, 2)), c, 1, 37, 29, 45, false, false,
                    0, 0, 0, false);
            return be.toArray(c);
        }));
        results.put("matmulTf32", outcome(emu, be -> { // small integers: exact in TF32, so equal to the CPU's FP32
            Backend tf32 = be instanceof CudaBackend cuda ? cuda.withPrecision(Precision.TF32) : be;
            Buffer c = tf32.allocate(37 * 29);
            tf32.matmul(tf32.fromArray(integers(37 * 45, 5)), tf32.fromArray(integers(45 * 29, 6)), c, 1, 37, 29, 45, false,
                    false, 0, 0, 0, false);
            return tf32.toArray(c);
        }));
        results.put("softmax", outcome(emu, be -> {
            Buffer y = be.allocate(5 * 77);
            be.softmaxForward(be.fromArray(random(5 * 77, 3)), y, 5, 77, false);
            return be.toArray(y);
        }));
        results.put("sumToShape", outcome(emu, be -> {
            Buffer o = be.allocate(7);
            be.sumToShape(be.fromArray(random(3 * 7 * 5, 4)), new int[] {3, 7, 5}, o, new int[] {7, 1});
            return be.toArray(o);
        }));
        return results;
    }

    private static String outcome(Backend emu, Function<Backend, float[]> call) {
        float[] expected = call.apply(Backends.cpu());
        try {
            CudaBackendTest.assertClose("emulator vs cpu", expected, call.apply(emu));
            return "OK";
        } catch (AssertionError e) {
            return "MISMATCH " + e.getMessage();
        } catch (RuntimeException e) {
            return "ERROR " + e.getMessage();
        }
    }

    private static float[] integers(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextInt(9) - 4;
        return x;
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
