package org.recformer.backend.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.recformer.tensor.Buffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The emulator catches what GPU bugs look like: launches over CUDA's limits, wrong arguments, stale
 * pointers and writes past an allocation are errors naming the kernel; and kernels broken on
 * purpose in a scratch copy of kernels/ (a missing __syncthreads, an off-by-one bound, a wrong
 * shuffle mask, a barrier some threads skip, a cp.async stage read before it landed) fail when built
 * into an emulator and run.
 */
class CudaEmulatorTest {
    private static EmulatedDevice device;

    @BeforeAll
    static void requireEmulator() {
        try {
            device = new EmulatedDevice();
        } catch (CudaUnavailableException e) {
            assumeTrue(false, e.getMessage());
        }
    }

    private static DeviceAllocator.Block floats(int n) {
        return device.allocate(4L * n);
    }

    @Test
    void launchesOverCudaLimitsAreErrorsNamingTheKernel() {
        DeviceAllocator.Block b = floats(64);
        Object[] args = {b.pointer(), 64L, 1f};
        device.launch("fill", 1, 65535, 1, 1, 1, 1, 0, args); // at the limits: runs
        device.launch("fill", 1, 1, 1, 1024, 1, 1, device.sharedOptIn(), args);
        String grid = assertThrows(CudaException.class, () -> device.launch("fill", 1, 65536, 1, 32, 1, 1, 0, args)).getMessage();
        assertTrue(grid.contains("kernel fill") && grid.contains("grid over CUDA's limits"), grid);
        String block = assertThrows(CudaException.class, () -> device.launch("fill", 1, 1, 1, 1025, 1, 1, 0, args)).getMessage();
        assertTrue(block.contains("kernel fill") && block.contains("block over CUDA's limits"), block);
        String shared = assertThrows(CudaException.class,
                () -> device.launch("fill", 1, 1, 1, 32, 1, 1, device.sharedOptIn() + 1, args)).getMessage();
        assertTrue(shared.contains("kernel fill") && shared.contains("opt-in size"), shared);
        String sizes = assertThrows(CudaException.class, () -> device.launch("fill", 1, 1, 1, 32, 1, 1, 0, b.pointer(), 64, 1f))
                .getMessage();
        assertTrue(sizes.contains("given arguments of 8, 4, 4 bytes, the kernel takes 8, 8, 4"), sizes);
        device.release(b);
        String stale = assertThrows(CudaException.class, () -> device.launch("fill", 1, 1, 1, 32, 1, 1, 0, args)).getMessage();
        assertTrue(stale.contains("argument 0") && stale.contains("outside every live allocation"), stale);
    }

    @Test
    void emptyBuffersAndPointersToTheEndAreValidArguments() {
        DeviceAllocator.Block empty = device.allocate(0), b = floats(8);
        device.launch("fill", 1, 1, 1, 32, 1, 1, 0, empty.pointer(), 0L, 1f);
        device.launch("fill", 1, 1, 1, 32, 1, 1, 0, b.pointer().withByteOffset(32), 0L, 1f);
        device.release(empty);
        device.release(b);
    }

    @Test
    void aWriteOnePastAnAllocationIsCaught() {
        CudaBackend be = new CudaBackend(device);
        Buffer src = be.fromArray(new float[40]), dst = be.fromArray(new float[30]);
        be.copyBlocks(src, 0, 10, dst, 0, 10, 10, 3, false); // the whole destination: fine
        String e = assertThrows(CudaException.class, () -> be.copyBlocks(src, 0, 10, dst, 1, 10, 10, 3, false)).getMessage();
        assertTrue(e.contains("kernel copy_blocks") && e.contains("wrote outside an allocation of 120 bytes")
                && e.contains("byte 0 after its end"), e);
    }

    @Test
    void theProbeKernelsPassOnTheRealSources() {
        Map<String, String> results = EmulatorProbe.results();
        results.forEach((name, outcome) -> assertEquals("OK", outcome, name));
    }

    /** Each break touches one kernel of a scratch copy of kernels/; the probe must see each fail. */
    @Test
    void kernelsBrokenOnPurposeFail() throws Exception {
        Path scratch = Files.createTempDirectory("recformer-broken-kernels");
        try {
            copyKernels(scratch);
            breakKernel(scratch.resolve("matmul.cuh"), "            __syncthreads();\n#pragma unroll", "#pragma unroll");
            breakKernel(scratch.resolve("elementwise.cuh"), "GRID_STRIDE(i, n) out[i] = value;", "GRID_STRIDE(i, n + 1) out[i] = value;");
            breakKernel(scratch.resolve("common.cuh"), "x = fmaxf(x, __shfl_xor_sync(FULL_MASK, x, o));",
                    "x = fmaxf(x, __shfl_xor_sync(0x0000ffffu, x, o));");
            breakKernel(scratch.resolve("elementwise.cuh"), "    part[threadIdx.y][threadIdx.x] = s;\n",
                    "    if (o >= outCount) return;\n    part[threadIdx.y][threadIdx.x] = s;\n");
            breakKernel(scratch.resolve("tc_matmul.cuh"), "cp_async_wait<TC_STAGES - 2>();", "cp_async_wait<TC_STAGES - 1>();");
            Path library = buildEmulator(scratch);
            Map<String, String> results = runProbe(library);
            System.out.println("broken kernels on the emulator: " + results);
            assertTrue(results.get("matmul").startsWith("MISMATCH"), "missing __syncthreads in matmul_sgemm: " + results.get("matmul"));
            assertTrue(results.get("fill").matches("ERROR .*kernel fill.*wrote outside an allocation of 4000 bytes.*byte 0 after its end.*"),
                    "off-by-one bound in fill: " + results.get("fill"));
            assertTrue(results.get("softmax").matches("ERROR .*kernel softmax_forward.*__shfl_xor_sync at common.cuh:\\d+.*"
                    + "(lane 0 reads lane 16, which is not in the mask 0x0000ffff|mask 0x0000ffff is called by lane 16).*"),
                    "wrong mask in warp_max: " + results.get("softmax"));
            assertTrue(results.get("sumToShape").matches("ERROR .*kernel sum_to_shape.*__syncthreads at elementwise.cuh:\\d+ is not"
                    + " reached by every thread of the block.*has exited.*"), "early return before a barrier: " + results.get("sumToShape"));
            assertTrue(results.get("matmulTf32").startsWith("MISMATCH"), "a cp.async stage read one group too early: "
                    + results.get("matmulTf32"));
        } finally {
            deleteTree(scratch);
        }
    }

    private static void copyKernels(Path to) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("kernels"))) {
            for (Path f : files.filter(f -> f.toString().matches(".*\\.cuh?$")).toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }

    private static void breakKernel(Path file, String from, String to) throws IOException {
        String source = Files.readString(file);
        assertTrue(source.contains(from), file.getFileName() + " no longer contains: " + from);
        Files.writeString(file, source.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
    }

    private static Path buildEmulator(Path kernels) throws Exception {
        Path out = kernels.resolve("out");
        Process p = new ProcessBuilder("bash", "kernels/emu/build.sh", out.toString(), System.getProperty("java.home"),
                kernels.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, "building the broken emulator:\n" + log);
        Path library = out.resolve("kernels/libcudaemu.so");
        assertTrue(Files.exists(library), "no emulator was built:\n" + log);
        return library;
    }

    private static Map<String, String> runProbe(Path library) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "-Drecformer.cuda.emulator.library=" + library, EmulatorProbe.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe did not finish:\n" + output);
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0 && List.of("fill", "matmul", "matmulTf32", "softmax", "sumToShape").contains(line.substring(0, colon))) {
                results.put(line.substring(0, colon), line.substring(colon + 2));
            }
        }
        assertEquals(5, results.size(), "probe output:\n" + output);
        return results;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}
