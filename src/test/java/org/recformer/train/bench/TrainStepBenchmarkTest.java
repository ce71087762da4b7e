package org.recformer.train.bench;

import org.junit.jupiter.api.Test;
import org.recformer.backend.Devices;
import org.recformer.backend.cuda.CudaUnavailableException;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerRecipe;
import org.recformer.tensor.Precision;
import org.recformer.train.ModelFactory;
import org.recformer.testing.CommandRun;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TrainStepBenchmarkTest {

    /** Exit status, standard output and error of one command. */
    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    private static CommandRun tiny(String objective, String device) {
        return run("bench", "train-step", "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32", "--seq", "70",
                "--batch", "2", "--steps", "3", "--warmup-steps", "1", "--items", "20", "--objective", objective, "--device", device);
    }

    @Test
    void timesFinetuneAndPretrainSteps() {
        for (String objective : new String[] {"finetune", "pretrain"}) {
            CommandRun r = tiny(objective, "cpu");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains(objective + " objective, batch 2 x 70 tokens"), r.out());
            assertTrue(r.out().matches("(?s).*step time over 3 steps \\(after 1 warmup\\): median \\d+\\.\\d+ s.*"), r.out());
            assertTrue(r.out().matches("(?s).*throughput at the median: \\d+\\.\\d+ sequences/s.*"), r.out());
            assertTrue(r.out().matches("(?s).*last loss \\d+\\.\\d+.*"), "a finite loss: " + r.out());
            assertTrue(r.out().matches("(?s).*peak memory: resident \\d+\\.\\d\\d GB \\(VmHWM\\), Java heap up to \\d+\\.\\d\\d GB.*"
                    + "GC in the measured batches: \\d+ collections, \\d+\\.\\d{3} s.*"), r.out());
        }
    }

    /**
     * The acceptance check of BF16 autocast: a few finetune steps of {@code bench train-step}
     * on the CUDA backend (the emulator) end within 2e-2 of the FP32 loss, and not on the same bits
     * (the products were rounded). The small model with a 1,000-token vocabulary: the emulator's time
     * goes to the embedding table's gradient and AdamW, not to the products under test.
     */
    @Test
    void bf16StepsEndWithinTwoHundredthsOfTheFp32Loss() {
        try {
            Devices.select("cuda-emu");
        } catch (CudaUnavailableException e) {
            assumeTrue(false, e.getMessage());
        }
        RecformerConfig config = RecformerRecipe.freshConfig(RecformerRecipe.SMALL, 1000, RecformerRecipe.ROBERTA_SPECIALS, 64, 16);
        TrainStepBenchmark.Settings settings = new TrainStepBenchmark.Settings("finetune", new BenchShape(2, 64, 3, 0, 1, 0.875), 50);
        float fp32 = lastLoss(Precision.FP32, config, settings), bf16 = lastLoss(Precision.BF16, config, settings);
        System.out.printf("train steps on cuda-emu: last loss fp32 %.6f, bf16 %.6f%n", fp32, bf16);
        assertTrue(Math.abs(bf16 - fp32) <= 2e-2, "bf16 " + bf16 + " vs fp32 " + fp32);
        assertTrue(bf16 != fp32, "the bf16 run computed the fp32 loss bit for bit: " + bf16);
    }

    private static float lastLoss(Precision precision, RecformerConfig config, TrainStepBenchmark.Settings settings) {
        ModelFactory models = new ModelFactory(Devices.select("cuda-emu", precision));
        return TrainStepBenchmark.run(models, config, RecformerRecipe.ROBERTA_SPECIALS, settings).lastLoss();
    }

    @Test
    void unknownDeviceSizeOrObjectiveIsBadInput() {
        CommandRun device = tiny("finetune", "tpu");
        assertEquals(2, device.status());
        assertTrue(device.err().contains("--device tpu: unknown device"), device.err());
        CommandRun objective = tiny("mlm", "cpu");
        assertEquals(2, objective.status());
        assertTrue(objective.err().contains("--objective: expected finetune or pretrain, got 'mlm'"), objective.err());
        CommandRun size = run("bench", "train-step", "--size", "large");
        assertEquals(2, size.status());
        assertTrue(size.err().contains("unknown model size 'large', expected small or base"), size.err());
    }

    @Test
    void peakResidentMemoryIsTheVmHwmLine() {
        assertEquals(3_210_000L * 1024, MemoryWatch.vmHwmBytes(List.of("Name:\tjava", "VmPeak:\t 9999 kB", "VmHWM:\t 3210000 kB", "VmRSS:\t 1 kB")));
        assertEquals(-1, MemoryWatch.vmHwmBytes(List.of("Name:\tjava")));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MemoryWatch.vmHwmBytes(List.of("VmHWM: 12 MB")));
        assertTrue(e.getMessage().contains("VmHWM: 12 MB"), e.getMessage());
        // this process: a resident peak of at least the heap now in use
        Runtime rt = Runtime.getRuntime();
        long resident = MemoryWatch.residentPeakBytes();
        if (resident >= 0) assertTrue(resident >= rt.totalMemory() - rt.freeMemory(), resident + " bytes");
    }

    @Test
    void quantilesInterpolateLikeNumpy() {
        StepTimes times = new StepTimes(new double[] {4, 1, 3, 2});
        assertEquals(2.5, times.median(), 1e-12);     // numpy.median([4, 1, 3, 2])
        assertEquals(1.75, times.quantile(0.25), 1e-12); // numpy.quantile([1, 2, 3, 4], 0.25)
        assertEquals(1.3, times.quantile(0.1), 1e-12);
        assertEquals(1, times.min());
        assertEquals(4, times.max());
        assertThrows(IllegalArgumentException.class, () -> new StepTimes(new double[0]));
    }
}
