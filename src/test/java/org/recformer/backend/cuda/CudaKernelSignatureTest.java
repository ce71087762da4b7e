package org.recformer.backend.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.Precision;
import org.recformer.tensor.UnaryOp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks the CUDA backend's host code against the compiled kernels without a GPU: the build packed
 * the fatbin when nvcc was there, every kernel the backend launches is a compiled entry (PTX of
 * the same source) with exactly the parameter sizes the backend passes (structs
 * included), every compiled kernel is launched by some backend method, and launch geometry is
 * within CUDA's limits (checked by the {@link RecordingDevice} every backend method runs on).
 */
class CudaKernelSignatureTest {
    private static Path nvccDir;

    @BeforeAll
    static void findCudaTools() {
        nvccDir = findNvcc();
    }

    /** The directory of nvcc by kernels/build.sh's rules ($NVCC, PATH, $CUDA_HOME/bin or /usr/local/cuda/bin), or null. */
    static Path findNvcc() {
        String explicit = System.getenv("NVCC");
        if (explicit != null && !explicit.isEmpty()) return Files.isExecutable(Path.of(explicit)) ? Path.of(explicit).getParent() : null;
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) candidates.add(Path.of(dir));
        }
        candidates.add(Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "bin"));
        for (Path dir : candidates) {
            if (Files.isExecutable(dir.resolve("nvcc"))) return dir;
        }
        return null;
    }

    @Test
    void fatbinIsPackedWhenNvccIsAvailable() {
        assumeTrue(nvccDir != null, "nvcc is not installed: the build makes no kernels, which is allowed");
        byte[] image = KernelImage.read();
        assertNotNull(image, KernelImage.RESOURCE + " is missing although nvcc is at " + nvccDir);
        assertTrue(image.length > 1000, "fatbin of " + image.length + " bytes");
    }

    @Test
    void everyLaunchMatchesACompiledKernel() throws Exception {
        Map<String, List<Integer>> entries = compiledEntries();
        RecordingDevice device = new RecordingDevice();
        runEveryKernel(new CudaBackend(device));
        assertEquals(1, device.liveBlocks - countBuffers,
                "scratch blocks are all released; the one left is the attention metadata (both passes' masks), kept for reuse");

        TreeSet<String> launched = new TreeSet<>();
        for (RecordingDevice.Launch l : device.launches) {
            launched.add(l.kernel());
            List<Integer> params = entries.get(l.kernel());
            assertNotNull(params, "the backend launches " + l.kernel() + ", which the fatbin does not have");
            assertEquals(params, Stream.of(box(l.argumentBytes())).collect(Collectors.toList()),
                    l.kernel() + ": parameter sizes in bytes (compiled vs passed)");
        }
        assertEquals(new TreeSet<>(entries.keySet()), launched, "every compiled kernel is launched by some backend method");
    }

    @Test
    void attentionMetadataListsGlobalTokens() {
        // batch 2, seq 4: row 0 = [local, global, pad, global], row 1 = [global, local, local, pad]
        int[] attention = {1, 1, 0, 1, 1, 1, 1, 0};
        int[] global = {0, 1, 0, 1, 1, 0, 0, 0};
        AttentionProblem problem = new AttentionProblem(2, 4, 3, 16, 1, attention, global, 0.1f, 7L);
        AttentionMasks masks = new AttentionMasks(problem);
        CudaAttention at = new CudaAttention(problem, masks, 227 * 1024);
        assertEquals(2, at.maxGlobal);
        assertEquals(2 * 1 + 1 + 2, at.localSlots);
        int[] expected = {
                1, 2, 0, 2, 2, 1, 1, 0,          // kinds
                -1, 0, -1, 1, 0, -1, -1, -1,     // global number
                1, 3, 0, 0,                      // global positions per row (row 1 has one; the rest is unused)
                2, 1,                            // global count per row
        };
        assertArrayEquals(expected, masks.meta);
        assertTrue(at.sharedBytes > 0, "a 4-token band fits in shared memory");
        AttentionProblem wideProblem = new AttentionProblem(1, 4096, 1, 128, 512, new int[4096], new int[4096], 0f, 0L);
        CudaAttention wide = new CudaAttention(wideProblem, new AttentionMasks(wideProblem), 227 * 1024);
        assertEquals(0, wide.sharedBytes, "a band of 1056 rows of 128 does not fit: rows are read in place");
    }

    private static Integer[] box(int[] a) {
        Integer[] r = new Integer[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    private int countBuffers;

    /** Calls every Backend method once with small shapes (values are irrelevant: nothing runs). */
    private void runEveryKernel(CudaBackend be) {
        List<Buffer> kept = new ArrayList<>();
        java.util.function.IntFunction<Buffer> buf = n -> {
            Buffer b = be.allocate(n);
            kept.add(b);
            return b;
        };
        Buffer x = buf.apply(60), y = buf.apply(60), z = buf.apply(60), w = buf.apply(60);
        be.fill(x, 1f);
        be.copyBlocks(x, 0, 6, y, 0, 6, 5, 10, true);
        be.binary(BinaryOp.MUL, x, new int[] {3, 4, 5}, y, new int[] {4, 1}, z, new int[] {3, 4, 5});
        be.unary(UnaryOp.GELU, x, y, 60, 0f);
        be.unaryBackward(UnaryOp.GELU, x, y, z, w, 60, 0f);
        be.sumToShape(x, new int[] {3, 4, 5}, y, new int[] {4, 1});
        be.permute(x, new int[] {3, 4, 5}, new int[] {2, 0, 1}, y);
        be.maskedFill(x, new int[] {3, 4, 5}, y, new int[] {3, 1, 5}, -1e4f, z);
        be.dropout(x, y, z, 60, 0.1f, 42L);
        be.gatherRows(x, 12, 5, new int[] {0, 3, 11}, y);
        be.scatterAddRows(x, 5, new int[] {0, 3, 3}, y, 1);
        be.matmul(x, y, z, 2, 3, 5, 2, true, false, 6, 10, 15, false);
        be.matmul(x, y, z, 2, 3, 5, 2, false, true, 6, 10, 0, true);
        Buffer tall = buf.apply(300); // deep enough to split: matmul_splitk_reduce
        ((CudaBackend) be).matmul(Precision.TF32, x, y, z, 2, 3, 5, 2, true, false, 6, 10, 15, false);
        ((CudaBackend) be).matmul(Precision.BF16, tall, tall, z, 1, 1, 1, 300, false, true, 300, 300, 0, true);
        be.layerNormForward(x, y, z, w, x, y, 6, 10, 1e-5f);
        be.layerNormBackward(x, y, z, w, x, y, z, w, 6, 10);
        be.softmaxForward(x, y, 6, 10, true);
        be.softmaxBackward(x, y, z, 6, 10, false);
        be.crossEntropyForward(x, new int[] {1, -100, 3, 4, 5, 6}, 6, 10, -100, y, z);
        be.crossEntropyBackward(x, new int[] {1, -100, 3, 4, 5, 6}, 6, 10, -100, y, z);
        be.rowNorm(x, y, 6, 10, 1e-8f);
        be.rowNormBackward(x, y, z, w, 6, 10, 1e-8f);
        be.adamwStep(x, y, z, w, 60, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 3, z);
        be.clipGradNorm(new Buffer[] {x, y}, new int[] {60, 60}, 1f, z, 3, 0);
        be.recordLoss(x, z, 3, 0);
        int[] mask = {1, 1, 1, 0, 1, 1, 1, 1};
        int[] global = {1, 0, 0, 0, 0, 0, 1, 0};
        Buffer a = buf.apply(2 * 4 * 8);
        AttentionProblem problem = new AttentionProblem(2, 4, 2, 4, 1, mask, global, 0.1f, 5L);
        be.attentionForward(problem, a, a, a, a, a, a, a, buf.apply(32));
        be.attentionBackward(problem, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a);
        Backend bf16 = be.withPrecision(Precision.BF16); // rounds attention's inputs first (round_operands)
        bf16.attentionForward(problem, a, a, a, a, a, a, a, buf.apply(32));
        bf16.attentionBackward(problem, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a);
        countBuffers = kept.size();
    }

    /**
     * Kernel name to parameter sizes in bytes, from PTX that nvcc makes of kernels/recformer.cu with the
     * build's flags (the packed fatbin holds the same code; the toolkit here may lack cuobjdump to read it back).
     */
    private static Map<String, List<Integer>> compiledEntries() throws IOException, InterruptedException {
        assumeTrue(nvccDir != null, "nvcc is not installed");
        assertNotNull(KernelImage.read(), KernelImage.RESOURCE + " is missing although nvcc is at " + nvccDir);
        Path ptxFile = Files.createTempFile("recformer", ".ptx");
        try {
            Process p = new ProcessBuilder(nvccDir.resolve("nvcc").toString(), "--ptx", "-O3", "--fmad=false",
                    "-std=c++17", "-arch=compute_80", "-o", ptxFile.toString(), "kernels/recformer.cu")
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "nvcc --ptx failed:\n" + log);
            return parseEntries(Files.readString(ptxFile));
        } finally {
            Files.deleteIfExists(ptxFile);
        }
    }

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w)(\\d+)\\s+\\w+(?:\\[(\\d+)\\])?");

    static Map<String, List<Integer>> parseEntries(String ptx) {
        Map<String, List<Integer>> entries = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<Integer> sizes = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) {
                int bits = Integer.parseInt(p.group(2));
                int count = p.group(3) == null ? 1 : Integer.parseInt(p.group(3));
                sizes.add(bits / 8 * count);
            }
            entries.putIfAbsent(m.group(1), sizes); // the PTX appears once per architecture
        }
        assertTrue(!entries.isEmpty(), "no .entry in the PTX");
        return entries;
    }

    @Test
    void kernelSourcesDeclareEveryCompiledEntryAsExternC() throws Exception {
        String sources;
        try (Stream<Path> files = Files.list(Path.of("kernels"))) {
            StringBuilder all = new StringBuilder();
            for (Path f : files.filter(f -> f.toString().matches(".*\\.cuh?$")).sorted().toList()) all.append(Files.readString(f));
            sources = all.toString();
        }
        Matcher m = Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\(\\w+(?: \\* \\d+)?\\)\\s*)?(\\w+)\\(").matcher(sources);
        TreeSet<String> declared = new TreeSet<>();
        while (m.find()) declared.add(m.group(1));
        assertTrue(declared.size() >= 25, "kernels found in kernels/: " + declared);
        assertEquals(declared, new TreeSet<>(compiledEntries().keySet()), "kernels in the sources vs in the fatbin");
    }
}
