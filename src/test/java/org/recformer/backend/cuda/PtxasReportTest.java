package org.recformer.backend.cuda;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * kernels/ptxas-report.sh on the real sources (wherever nvcc is, CI included; no GPU needed): no
 * function compiled from kernels/recformer.cu for sm_90 has a stack frame or spills registers, and
 * the report has a row for every kernel of the sources (so kernels added later are covered too).
 */
class PtxasReportTest {
    @Test
    void noKernelHasAStackFrameOrSpills() throws Exception {
        Path nvccDir = CudaKernelSignatureTest.findNvcc();
        assumeTrue(nvccDir != null, "nvcc is not installed: the ptxas report cannot be made here");
        ProcessBuilder pb = new ProcessBuilder("bash", "kernels/ptxas-report.sh").redirectErrorStream(true);
        pb.environment().put("NVCC", nvccDir.resolve("nvcc").toString());
        Process p = pb.start();
        String report = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "ptxas-report.sh did not finish:\n" + report);
        assertEquals(0, p.exitValue(), "ptxas-report.sh (exit 1: a stack frame or spills; 2: nvcc failed):\n" + report);
        System.out.println(report);

        TreeSet<String> reported = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `(\\w+)` \\| \\d+ \\| \\d+ \\| 0 \\| 0 \\| 0 \\|$").matcher(report);
        while (row.find()) reported.add(row.group(1));
        assertEquals(kernelsInSources(), reported, "kernels with a row of zeros (stack, spill stores, spill loads)");
    }

    private static TreeSet<String> kernelsInSources() throws Exception {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(Path.of("kernels"))) {
            for (Path f : files.filter(f -> f.toString().matches(".*\\.cuh?$")).sorted().toList()) all.append(Files.readString(f));
        }
        Matcher m = Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\([^)]*\\)\\s*)?(\\w+)\\(").matcher(all);
        TreeSet<String> declared = new TreeSet<>();
        while (m.find()) declared.add(m.group(1));
        assertTrue(declared.size() >= 25, "kernels found in kernels/: " + declared);
        return declared;
    }
}
