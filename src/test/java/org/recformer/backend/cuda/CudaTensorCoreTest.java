package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.Precision;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tensor-core GEMM (kernels/tc_matmul.cuh) and the primitives under it (kernels/mma.cuh).
 *
 * <p>Primitives, on the emulator: one mma.sync over registers placed by this class's own copy of the
 * PTX ISA's fragment tables must give the exact product of small integers, placed by the same tables;
 * cvt.rna.tf32.f32 and cvt.rn.bf16x2.f32 must round as their definitions say (oracles below); misuse
 * (a lane missing at an mma.sync, misaligned or out-of-bounds cp.async, copies never waited for) is an
 * error naming the kernel and the instruction.
 *
 * <p>GEMM, on the GPU or else the emulator: every shape, transpose, batch stride, broadcast and batch-sum
 * mode of {@code matmul}, ragged edges, K = 1 and split depths, against a double-precision reference with
 * error bounds derived from the input rounding (unit roundoff u = 2^-11 for TF32 after round-to-nearest,
 * 2^-8 for BF16) and FP32 accumulation (at most 2^-23 relative per addition, which also covers an
 * accumulator that truncates): with S = sum_k |a_ik| |b_kj| (+ |C_ij| when accumulating) over n additions,
 * |C - C_exact| <= ((1 + u)^2 (1 + gamma_n) - 1) S, gamma_n = n 2^-23 / (1 - n 2^-23); and against the
 * product of the rounded inputs, |C - C_rounded| <= gamma_n S. Outputs start as NaN (poisoned), so an
 * element left unwritten fails.
 */
class CudaTensorCoreTest {
    private static final double ACCUMULATION = 0x1p-23;

    // ---------------------------------------------------------------- the PTX ISA's fragment tables

    /** Row and column of A held by register i of lane l (m16n8k8 .tf32: i < 4; m16n8k16 .bf16: element i < 8). */
    static int[] aAt(boolean bf16, int lane, int i) {
        int g = lane >> 2, t = lane % 4;
        if (!bf16) return new int[] {i == 0 || i == 2 ? g : g + 8, i < 2 ? t : t + 4};
        int row = i < 2 || (i >= 4 && i < 6) ? g : g + 8;
        int col = t * 2 + (i & 1) + (i >= 4 ? 8 : 0);
        return new int[] {row, col};
    }

    /** Row and column of B held by register i of lane l (.tf32: i < 2; .bf16: element i < 4). */
    static int[] bAt(boolean bf16, int lane, int i) {
        int g = lane >> 2, t = lane % 4;
        if (!bf16) return new int[] {i == 0 ? t : t + 4, g};
        return new int[] {t * 2 + (i & 1) + (i >= 2 ? 8 : 0), g};
    }

    /** Row and column of C / D held by register i < 4 of lane l (.f32 accumulators of both shapes). */
    static int[] cAt(int lane, int i) {
        int g = lane >> 2, t = lane % 4;
        return new int[] {i < 2 ? g : g + 8, t * 2 + (i & 1)};
    }

    // ---------------------------------------------------------------- rounding oracles

    /** x rounded to TF32 as cvt.rna does: the nearer of the two neighbours with 10 mantissa bits, ties away from 0. */
    static float tf32(float x) {
        return nearest(x, 13, false);
    }

    /** x rounded to BF16 as cvt.rn does: the nearer of the two neighbours with 7 mantissa bits, ties to even. */
    static float bf16(float x) {
        return nearest(x, 16, true);
    }

    private static float nearest(float x, int dropped, boolean tiesToEven) {
        if (Float.isNaN(x) || Float.isInfinite(x)) return x;
        int bits = Float.floatToRawIntBits(x), step = 1 << dropped;
        int low = bits & -step; // toward zero
        double lowValue = Math.abs(Float.intBitsToFloat(low));
        int high = low + step;  // away from zero; the pattern after the largest finite one is infinity (2^128)
        double highValue = (high & 0x7fffffff) == 0x7f800000 ? 0x1p128 : Math.abs(Float.intBitsToFloat(high));
        double below = Math.abs(x) - lowValue, above = highValue - Math.abs(x);
        boolean up = above < below || (above == below && (!tiesToEven || (low & step) != 0));
        return Float.intBitsToFloat(up ? high : low);
    }

    // ---------------------------------------------------------------- primitives on the emulator

    /** Copies {@code values} (float[] or int[]) to {@code dst} through a host block, as the backend uploads. */
    private static void upload(EmulatedDevice device, CUdeviceptr dst, Object values, String what) {
        int n = values instanceof float[] f ? f.length : ((int[]) values).length;
        Device.HostBlock host = device.allocateHost(4L * n);
        if (values instanceof float[] f) host.buffer().asFloatBuffer().put(f);
        else host.buffer().asIntBuffer().put((int[]) values);
        device.copyToDeviceAsync(dst, host, 0, 4L * n, what);
    }

    private static EmulatedDevice emulator() {
        try {
            return new EmulatedDevice();
        } catch (CudaUnavailableException e) {
            assumeTrue(false, e.getMessage());
            throw e;
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void oneMmaGivesTheExactProductWithThePtxIsaFragmentLayouts(boolean bf16) {
        int k = bf16 ? 16 : 8;
        Random r = new Random(bf16 ? 7 : 3);
        float[][] a = new float[16][k], b = new float[k][8], c = new float[16][8];
        for (float[] row : a) for (int j = 0; j < k; j++) row[j] = r.nextInt(17) - 8;
        for (float[] row : b) for (int j = 0; j < 8; j++) row[j] = r.nextInt(17) - 8;
        for (float[] row : c) for (int j = 0; j < 8; j++) row[j] = r.nextInt(201) - 100;
        int[] aRegs = new int[32 * 4], bRegs = new int[32 * 2];
        float[] cRegs = new float[32 * 4];
        for (int lane = 0; lane < 32; lane++) {
            for (int i = 0; i < (bf16 ? 8 : 4); i++) {
                int[] at = aAt(bf16, lane, i);
                aRegs[lane * 4 + (bf16 ? i / 2 : i)] |= register(bf16, a[at[0]][at[1]], i);
            }
            for (int i = 0; i < (bf16 ? 4 : 2); i++) {
                int[] at = bAt(bf16, lane, i);
                bRegs[lane * 2 + (bf16 ? i / 2 : i)] |= register(bf16, b[at[0]][at[1]], i);
            }
            for (int i = 0; i < 4; i++) {
                int[] at = cAt(lane, i);
                cRegs[lane * 4 + i] = c[at[0]][at[1]];
            }
        }
        EmulatedDevice device = emulator();
        DeviceAllocator.Block ab = device.allocate(4L * aRegs.length), bb = device.allocate(4L * bRegs.length);
        DeviceAllocator.Block cb = device.allocate(4L * cRegs.length), db = device.allocate(4L * cRegs.length);
        upload(device, ab.pointer(), aRegs, "a");
        upload(device, bb.pointer(), bRegs, "b");
        upload(device, cb.pointer(), cRegs, "c");
        device.launch("mma_probe", 1, 1, 1, 32, 1, 1, 0, ab.pointer(), bb.pointer(), cb.pointer(), db.pointer(), bf16 ? 1 : 0, -1);
        float[] d = new float[32 * 4];
        device.copyToHost(db.pointer(), d);
        for (DeviceAllocator.Block x : List.of(ab, bb, cb, db)) device.release(x);
        for (int lane = 0; lane < 32; lane++) {
            for (int i = 0; i < 4; i++) {
                int[] at = cAt(lane, i);
                double exact = c[at[0]][at[1]];
                for (int j = 0; j < k; j++) exact += (double) a[at[0]][j] * b[j][at[1]];
                assertEquals(exact, d[lane * 4 + i], 0.0, (bf16 ? "bf16" : "tf32") + " mma: lane " + lane + " register d" + i
                        + " holds D(" + at[0] + ", " + at[1] + ") per the PTX ISA");
            }
        }
    }

    /** The bits element i of a fragment contributes to its register: a whole .tf32, or a half of a .bf16x2. */
    private static int register(boolean bf16, float x, int i) {
        int bits = Float.floatToRawIntBits(x); // small integers: exact in both formats
        return bf16 ? (bits >>> 16) << (16 * (i & 1)) : bits;
    }

    @Test
    void misusedInstructionsAreErrorsNamingTheKernel() {
        EmulatedDevice device = emulator();
        DeviceAllocator.Block src = device.allocate(4L * 16), out = device.allocate(4), regs = device.allocate(4L * 4 * 32);
        float[] values = new float[16];
        for (int i = 0; i < values.length; i++) values[i] = i + 0.5f;
        upload(device, src.pointer(), values, "src");
        device.launch("cp_async_probe", 1, 1, 1, 1, 1, 1, 64, src.pointer(), out.pointer(), 4, 8, 1, 1);
        float[] landed = new float[1];
        device.copyToHost(out.pointer(), landed);
        assertEquals(4.5f, landed[0], "16 bytes from src + 4 landed at shared float 8");
        Object[][] misuses = { // dynamic shared bytes, from, to, wide, wait; the error
                {64, 1, 8, 1, 1, "global address not aligned to its 16 bytes"},
                {64, 4, 2, 1, 1, "shared address not aligned to its 16 bytes"},
                {32, 4, 8, 1, 1, "destination outside the launch's 32 bytes of dynamic shared memory"},
                {64, 16, 0, 0, 1, "reads 4 bytes at 0x"},
                {64, 4, 8, 1, 0, "exits with 1 cp.async copies no cp.async.wait_group covered"},
        };
        for (Object[] m : misuses) {
            String e = assertThrows(CudaException.class, () -> device.launch("cp_async_probe", 1, 1, 1, 1, 1, 1, (int) m[0],
                    src.pointer(), out.pointer(), m[1], m[2], m[3], m[4])).getMessage();
            assertTrue(e.contains("kernel cp_async_probe") && e.contains("cp.async") && e.contains((String) m[5]), e);
        }
        String exited = assertThrows(CudaException.class, () -> device.launch("mma_probe", 1, 1, 1, 32, 1, 1, 0, regs.pointer(),
                regs.pointer(), regs.pointer(), regs.pointer(), 0, 5)).getMessage();
        assertTrue(exited.matches(".*kernel mma_probe.*mma.sync.m16n8k8.tf32 at mma.cuh:\\d+ .*waits for lane 5, which has exited.*"),
                exited);
        String halfWarp = assertThrows(CudaException.class, () -> device.launch("mma_probe", 1, 1, 1, 16, 1, 1, 0, regs.pointer(),
                regs.pointer(), regs.pointer(), regs.pointer(), 1, -1)).getMessage();
        assertTrue(halfWarp.matches(".*mma.sync.m16n8k16.bf16 at mma.cuh:\\d+ .*waits for lane 16, which does not exist.*"), halfWarp);
        for (DeviceAllocator.Block b : List.of(src, out, regs)) device.release(b);
    }

    @Test
    void conversionsRoundAsThePtxIsaSays() {
        List<Float> values = new ArrayList<>(List.of(0f, -0f, 1f, 1 + 0x1p-11f, -(1 + 0x1p-11f), 1 + 0x1p-11f + 0x1p-23f,
                1 + 0x1p-11f - 0x1p-23f, 1 + 0x1p-8f, 1 + 3 * 0x1p-8f, -(1 + 3 * 0x1p-8f), 1 + 0x1p-8f + 0x1p-23f,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 0x1p-130f * 1.5f, 65504.5f, 3.14159265f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN));
        Random r = new Random(11);
        for (int i = 0; i < 200; i++) values.add((float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4)));
        float[] x = new float[values.size()];
        for (int i = 0; i < x.length; i++) x[i] = values.get(i);
        EmulatedDevice device = emulator();
        DeviceAllocator.Block in = device.allocate(4L * x.length), t = device.allocate(4L * x.length);
        DeviceAllocator.Block b = device.allocate(4L * x.length);
        upload(device, in.pointer(), x, "x");
        device.launch("convert_probe", 1, 1, 1, 256, 1, 1, 0, in.pointer(), t.pointer(), b.pointer(), x.length);
        float[] tf = new float[x.length], bf = new float[x.length];
        device.copyToHost(t.pointer(), tf);
        device.copyToHost(b.pointer(), bf);
        for (DeviceAllocator.Block blk : List.of(in, t, b)) device.release(blk);
        for (int i = 0; i < x.length; i++) {
            int tfBits = Float.floatToRawIntBits(tf[i]), bfBits = Float.floatToRawIntBits(bf[i]);
            assertEquals(0, tfBits & 0x1fff, "cvt.rna.tf32 of " + x[i] + " leaves its low 13 bits zero");
            assertSame(tf32(x[i]), tf[i], "cvt.rna.tf32 of " + x[i]);
            assertSame(bf16(x[i]), Float.intBitsToFloat(bfBits << 16), "cvt.rn.bf16x2 low half of " + x[i]);
            assertSame(bf16(-x[i]), Float.intBitsToFloat(bfBits & 0xffff0000), "cvt.rn.bf16x2 high half of " + -x[i]);
        }
    }

    private static void assertSame(float expected, float actual, String what) {
        if (Float.isNaN(expected)) assertTrue(Float.isNaN(actual), what + ": " + actual);
        else assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), what + ": " + actual);
    }

    // ---------------------------------------------------------------- the GEMM

    /** transA, transB, batch, M, N, K: ragged tiles, K = 1, 16-byte-aligned rows (vector copies), split depths. */
    static Stream<Arguments> shapes() {
        List<Arguments> shapes = new ArrayList<>();
        Object[][] cases = {
                {false, false, 1, 37, 29, 45}, {true, false, 3, 37, 29, 45}, {false, true, 3, 65, 67, 33},
                {true, true, 2, 130, 7, 129}, {false, false, 1, 1, 1, 1}, {true, false, 2, 70, 9, 1},
                {false, false, 2, 64, 96, 40}, {true, true, 1, 132, 136, 64}, {false, true, 2, 20, 20, 300},
                {false, false, 2, 5, 7, 1000}, {true, false, 1, 9, 130, 520},
        };
        for (Precision p : new Precision[] {Precision.TF32, Precision.BF16}) {
            for (Object[] c : cases) {
                Object[] args = new Object[c.length + 1];
                args[0] = p;
                System.arraycopy(c, 0, args, 1, c.length);
                shapes.add(Arguments.of(args));
            }
        }
        return shapes.stream();
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void matmulWithinTheBoundsOfItsInputPrecision(Precision p, boolean transA, boolean transB, int batch, int m, int n, int k) {
        CudaBackend be = CudaUnderTest.backend().withPrecision(p);
        int sa = m * k, sb = k * n, sc = m * n;
        float[] a = random(batch * sa, 21), b = random(batch * sb, 22), c0 = random(batch * sc, 23);
        Buffer ga = be.fromArray(a), gb = be.fromArray(b);

        Buffer batched = be.allocate(batch * sc);
        be.matmul(ga, gb, batched, batch, m, n, k, transA, transB, sa, sb, sc, false);
        check(p, "batched", be.toArray(batched), a, b, null, batch, m, n, k, transA, transB, sa, sb, sc);

        Buffer accumulated = be.fromArray(c0);
        be.matmul(ga, gb, accumulated, batch, m, n, k, transA, transB, sa, 0, sc, true);
        check(p, "broadcast B, accumulate", be.toArray(accumulated), a, b, c0, batch, m, n, k, transA, transB, sa, 0, sc);

        Buffer summed = be.allocate(sc);
        be.matmul(ga, gb, summed, batch, m, n, k, transA, transB, sa, sb, 0, false);
        check(p, "summed into one C", be.toArray(summed), a, b, null, batch, m, n, k, transA, transB, sa, sb, 0);
    }

    /** The split-depth cases above do split (the LM head's K = 50,265 and weight gradients take this path). */
    @Test
    void tallProductsWithFewTilesAreSplitAlongTheDepth() {
        assertEquals(2, CudaBackend.depthSplits(2, 10));     // 20 x 20 x 300, batch 2
        assertEquals(8, CudaBackend.depthSplits(2, 32));     // 5 x 7 x 1000, batch 2
        assertEquals(16, CudaBackend.depthSplits(1, 64));    // the same, summed over the batch
        assertEquals(4, CudaBackend.depthSplits(2, 17));     // 9 x 130 x 520
        assertEquals(32, CudaBackend.depthSplits(1, 1571));  // the LM head's K = 50,265: at most 32
        assertEquals(1, CudaBackend.depthSplits(264, 1571)); // enough tiles: no split
        assertEquals(1, CudaBackend.depthSplits(1, 7));      // too shallow to split
    }

    private static void check(Precision p, String what, float[] actual, float[] a, float[] b, float[] c0, int batch, int m,
                              int n, int k, boolean transA, boolean transB, int sa, int sb, int sc) {
        double u = p == Precision.TF32 ? 0x1p-11 : 0x1p-8;
        boolean summed = sc == 0;
        int outputs = summed ? 1 : batch, terms = summed ? batch * k : k;
        int splits = CudaBackend.depthSplits((long) ((m + 127) / 128) * ((n + 127) / 128) * outputs,
                (long) (summed ? batch : 1) * ((k + 31) / 32));
        double gamma = gamma(terms + splits + 1);
        double inputs = (1 + u) * (1 + u) * (1 + gamma) - 1;
        float[] ar = rounded(p, a), br = rounded(p, b);
        String where = p + " " + what + " (" + batch + " x " + m + " x " + n + " x " + k + ", transA " + transA + ", transB "
                + transB + ", " + splits + " splits)";
        for (int o = 0; o < outputs; o++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = 0, rounded = 0, s = 0, sRounded = 0;
                    if (c0 != null) {
                        exact = rounded = c0[o * sc + i * n + j];
                        s = sRounded = Math.abs(exact);
                    }
                    for (int e = summed ? 0 : o; e < (summed ? batch : o + 1); e++) {
                        for (int q = 0; q < k; q++) {
                            int ia = e * sa + (transA ? q * m + i : i * k + q), ib = e * sb + (transB ? j * k + q : q * n + j);
                            exact += (double) a[ia] * b[ib];
                            s += Math.abs((double) a[ia] * b[ib]);
                            double xr = ar[ia], yr = br[ib];
                            rounded += xr * yr;
                            sRounded += Math.abs(xr * yr);
                        }
                    }
                    float got = actual[o * sc + i * n + j];
                    double bound = inputs * s, roundedBound = gamma * sRounded, exactValue = exact, roundedValue = rounded;
                    String at = "[" + o + ", " + i + ", " + j + "]";
                    assertTrue(Math.abs(got - exact) <= bound,
                            () -> where + " at " + at + ": got " + got + ", exact " + exactValue + ", bound " + bound);
                    assertTrue(Math.abs(got - rounded) <= roundedBound, () -> where + " at " + at + ": got " + got
                            + ", product of the rounded inputs " + roundedValue + ", bound " + roundedBound);
                }
            }
        }
    }

    /** x with every element rounded to precision p. */
    private static float[] rounded(Precision p, float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = p == Precision.TF32 ? tf32(x[i]) : bf16(x[i]);
        return r;
    }

    /** gamma_n for FP32 additions that may truncate: n 2^-23 / (1 - n 2^-23). */
    private static double gamma(int n) {
        return n * ACCUMULATION / (1 - n * ACCUMULATION);
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
