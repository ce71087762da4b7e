package org.recformer.train;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The plain progress lines printed when no terminal is attached. */
class ProgressTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void printsOneLineEachIntervalWithRateAndEta() {
        AtomicLong clock = new AtomicLong(5 * SECOND);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress progress = Progress.lines("epoch 1", 100, 0, "seq", out, clock::get, Duration.ofSeconds(30))) {
            clock.addAndGet(29 * SECOND);
            progress.step(8, "loss 6.5000");
            assertEquals("", bytes.toString(StandardCharsets.UTF_8), "nothing before the interval has passed");
            clock.addAndGet(SECOND);
            progress.step(2, null);
            clock.addAndGet(10 * SECOND);
            progress.step(10, "loss 6.0000");
            clock.addAndGet(20 * SECOND);
            progress.step(5, null);
        }
        assertEquals(String.join(System.lineSeparator(),
                "epoch 1: 10/100 seq (10.0%) | loss 6.5000 | 0.3 seq/s | elapsed 0:30, ETA 4:30",
                "epoch 1: 25/100 seq (25.0%) | loss 6.0000 | 0.4 seq/s | elapsed 1:00, ETA 3:00", ""),
                bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void resumedRunCountsRateFromThisProcessOnly() {
        AtomicLong clock = new AtomicLong();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress progress = Progress.lines("pretrain", 20_000, 15_000, "steps", out, clock::get, Duration.ofSeconds(30))) {
            clock.addAndGet(3600 * SECOND);
            progress.stepTo(16_000, "loss 2.0000 lr 1.00e-05");
        }
        assertEquals("pretrain: 16000/20000 steps (80.0%) | loss 2.0000 lr 1.00e-05 | 0.3 steps/s | elapsed 1:00:00, ETA 4:00:00"
                + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
    }
}
