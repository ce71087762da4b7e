package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.Precision;
import org.recformer.tensor.UnaryOp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host-side rules of the CUDA backend that need no GPU: launches of large problems stay within
 * CUDA's grid limits (on a {@link RecordingDevice}, which fails launches over them), op codes agree
 * with kernels/elementwise.cuh by name, racing copies are refused, and the allocator waits for
 * queued kernels before it frees memory.
 */
class CudaHostChecksTest {

    @Test
    void attentionOfMoreThan65535SequenceHeadsLaunches() {
        int batch = 5462, seq = 2, heads = 12, headDim = 4; // 65,544 (batch, head) pairs: one evaluation batch
        RecordingDevice device = new RecordingDevice();
        CudaBackend be = new CudaBackend(device);
        int[] mask = new int[batch * seq];
        java.util.Arrays.fill(mask, 1);
        int[] global = new int[batch * seq];
        Buffer a = be.allocate(batch * seq * heads * headDim);
        AttentionProblem p = new AttentionProblem(batch, seq, heads, headDim, 1, mask, global, 0f, 1L);
        Buffer saved = be.allocate(be.attentionSavedSize(p));
        be.attentionForward(p, a, a, a, a, a, a, a, saved);
        be.attentionBackward(p, a, a, a, a, a, a, a, saved, a, a, a, a, a, a, a);
        assertEquals(3, device.launches.stream().filter(l -> l.kernel().startsWith("attention")).count());
    }

    @Test
    void matmulOfMoreThan65535RowTilesLaunches() {
        int m = 4_194_305, n = 3, k = 2; // M over 65535 tiles of 64 rows: a large folded linear
        RecordingDevice device = new RecordingDevice();
        CudaBackend be = new CudaBackend(device);
        Buffer a = be.allocate(m * k), b = be.allocate(k * n), c = be.allocate(m * n);
        be.matmul(a, b, c, 1, m, n, k, false, false, 0, 0, 0, false);
        assertEquals(1, device.launches.stream().filter(l -> l.kernel().equals("matmul_sgemm")).count());
    }

    @Test
    void broadcastKernelsRefuseShapesOver32BitIndices() {
        CudaBackend be = new CudaBackend(new RecordingDevice());
        Buffer small = be.allocate(4);
        int[] huge = {65536, 32768}; // 2^31 elements: one over what the kernels' 32-bit index math allows
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.binary(BinaryOp.ADD, small, new int[] {1, 1}, small, new int[] {1, 1}, small, huge));
        assertTrue(e.getMessage().equals("the CUDA backend indexes broadcast tensors in 32 bits: shape [65536, 32768] has"
                + " 2147483648 elements (expected at most 2147483647)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> be.maskedFill(small, huge, small, new int[] {1, 1}, 0f, small));
        Layouts.layout(new int[] {65535, 32768}, new int[] {32768, 1}, new int[] {0, 0}); // under the limit: accepted
    }

    /** Column reductions: enough blocks for 768 columns, slices that cover the rows exactly, none empty. */
    @Test
    void columnReductionsSplitTheirRowsOverTheGrid() {
        CudaBackend.Slices s = CudaBackend.Slices.of(768, 16 * 1024);
        assertTrue(24L * s.count() >= 1000, "blocks for C = 768: 24 x " + s.count());
        for (int[] shape : new int[][] {{768, 16384}, {7, 4099}, {3, 1001}, {771, 517}, {5, 1}, {5, 0}, {1_000_000, 3}}) {
            CudaBackend.Slices c = CudaBackend.Slices.of(shape[0], shape[1]);
            assertTrue(c.count() >= 1 && c.count() <= 65535, "slices " + c);
            assertTrue((long) c.count() * c.rows() >= shape[1] && (long) (c.count() - 1) * c.rows() < Math.max(1, shape[1]),
                    "rows " + shape[1] + " in " + c);
        }
        assertEquals(1, CudaBackend.Slices.of(768, 63).count(), "one slice under 64 rows");
    }

    @Test
    void tensorCoreMatmulOfMoreThan65535BatchEntriesLaunchesInChunks() {
        int batch = 70_000, m = 3, n = 5, k = 2;
        RecordingDevice device = new RecordingDevice();
        CudaBackend be = new CudaBackend(device).withPrecision(Precision.BF16);
        Buffer a = be.allocate(batch * m * k), b = be.allocate(k * n), c = be.allocate(batch * m * n);
        be.matmul(a, b, c, batch, m, n, k, false, false, m * k, 0, m * n, false);
        assertEquals(2, device.launches.stream().filter(l -> l.kernel().equals("matmul_tc_bf16")).count());
    }

    @Test
    void opCodesMatchTheKernelsConstantsByName() throws Exception {
        Map<String, Integer> defines = defines("kernels/elementwise.cuh", "(?:BINARY|UNARY)_");
        for (BinaryOp op : BinaryOp.values()) {
            assertEquals(defines.get("BINARY_" + op.name()), CudaBackend.binaryCode(op), "BINARY_" + op.name());
        }
        for (UnaryOp op : UnaryOp.values()) {
            assertEquals(defines.get("UNARY_" + op.name()), CudaBackend.unaryCode(op), "UNARY_" + op.name());
        }
        assertEquals(BinaryOp.values().length + UnaryOp.values().length, defines.size(), "codes without an op: " + defines);
    }

    @Test
    void attentionGeometryMatchesTheKernelsConstants() throws Exception {
        Map<String, Integer> defines = defines("kernels/attention.cuh", "ATT_");
        assertEquals(defines.get("ATT_ROWS"), CudaAttention.ROWS, "ATT_ROWS");
        assertEquals(defines.get("ATT_WARPS"), CudaAttention.WARPS, "ATT_WARPS");
        assertEquals(defines.get("ATT_MAX_D"), CudaAttention.MAX_HEAD_DIM, "ATT_MAX_D");
    }

    @Test
    void precisionCodesMatchTheKernelsConstantsByName() throws Exception {
        Map<String, Integer> defines = defines("kernels/precision.cuh", "PRECISION_");
        for (Precision p : Precision.values()) {
            assertEquals(defines.get("PRECISION_" + p.name()), CudaBackend.precisionCode(p), "PRECISION_" + p.name());
        }
        assertEquals(Precision.values().length, defines.size(), "codes without a precision: " + defines);
    }

    /** The integer {@code #define}s of a kernel header whose names start with {@code prefix} (a regular expression). */
    private static Map<String, Integer> defines(String header, String prefix) throws Exception {
        Map<String, Integer> defines = new HashMap<>();
        Matcher m = Pattern.compile("#define (" + prefix + "\\w+) (\\d+)").matcher(Files.readString(Path.of(header)));
        while (m.find()) defines.put(m.group(1), Integer.parseInt(m.group(2)));
        return defines;
    }

    @Test
    void accumulatingIntoOverlappingBlocksIsRefused() {
        CudaBackend be = new CudaBackend(new RecordingDevice());
        Buffer src = be.allocate(100), dst = be.allocate(100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.copyBlocks(src, 0, 10, dst, 0, 5, 10, 8, true));
        assertTrue(e.getMessage().contains("overlapping"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> be.copyBlocks(src, 0, 10, dst, 0, 0, 10, 8, true));
        be.copyBlocks(src, 0, 10, dst, 0, 5, 10, 8, false); // plain copies of overlapping blocks: last writer wins, as on the CPU
        be.copyBlocks(src, 0, 10, dst, 0, 10, 10, 8, true);
        be.copyBlocks(src, 0, 0, dst, 0, 0, 50, 1, true);
    }

    /** A driver whose first cuMemAlloc of each size runs out of memory; records every call. */
    private static final class ScriptedDriver implements DeviceAllocator.Driver {
        final List<String> calls = new ArrayList<>();
        final Map<Long, Integer> attempts = new HashMap<>();

        @Override
        public int allocate(CUdeviceptr pointer, long bytes) {
            calls.add("alloc " + bytes);
            return attempts.merge(bytes, 1, Integer::sum) == 1 ? CUresult.CUDA_ERROR_OUT_OF_MEMORY : CUresult.CUDA_SUCCESS;
        }

        @Override
        public int free(CUdeviceptr pointer) {
            calls.add("free");
            return CUresult.CUDA_SUCCESS;
        }

        @Override
        public void synchronize(String after) {
            calls.add("synchronize");
        }
    }

    @Test
    void cachedBlocksAreFreedOnlyAfterTheStreamIsSynchronized() {
        ScriptedDriver driver = new ScriptedDriver();
        DeviceAllocator allocator = new DeviceAllocator(driver);
        driver.attempts.put(256L, 1); // the first block allocates at once
        DeviceAllocator.Block scratch = allocator.allocate(256);
        allocator.release(scratch); // a scratch block whose kernels may still be queued
        allocator.allocate(4096); // out of memory once: the cache goes back to the driver
        assertEquals(List.of("alloc 256", "alloc 4096", "synchronize", "free", "alloc 4096"), driver.calls);

        allocator.release(allocator.allocate(256));
        driver.calls.clear();
        allocator.releaseCache();
        assertEquals(List.of("synchronize", "free"), driver.calls);
    }
}
