package org.recformer.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a long loop. With a terminal attached: a console bar (rate, ETA and an extra message
 * such as loss and learning rate). Without one (a run under {@code nohup}, in CI, piped to a file):
 * a plain line on standard error every {@value #LINE_INTERVAL_SECONDS} seconds, such as
 * {@code epoch 1: 640/2928 seq (21.9%) | loss 6.1 lr 4.0e-05 | 21.3 seq/s | elapsed 0:30, ETA 1:47}.
 * Standard error keeps standard output free for results (JSON of {@code recommend}, tables).
 */
public final class Progress implements AutoCloseable {
    /** Seconds between two progress lines when no terminal is attached. */
    public static final int LINE_INTERVAL_SECONDS = 30;

    private final ProgressBar bar;
    private final Lines lines;

    private Progress(ProgressBar bar, Lines lines) {
        this.bar = bar;
        this.lines = lines;
    }

    /** Progress over {@code total} units of {@code unit}; shown (bar or lines) only when {@code show}. */
    public static Progress start(String task, long total, String unit, boolean show) {
        return start(task, total, 0, unit, show);
    }

    /** As {@link #start(String, long, String, boolean)}, resuming with {@code done} units already done (before this process). */
    public static Progress start(String task, long total, long done, String unit, boolean show) {
        if (!show) return new Progress(null, null);
        if (System.console() == null) {
            return lines(task, total, done, unit, System.err, System::nanoTime, Duration.ofSeconds(LINE_INTERVAL_SECONDS));
        }
        return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(500)
                .startsFrom(done, Duration.ZERO).build(), null);
    }

    /** Plain progress lines to {@code out}, at most one per {@code interval} of {@code nanoClock}. */
    static Progress lines(String task, long total, long done, String unit, PrintStream out, LongSupplier nanoClock, Duration interval) {
        return new Progress(null, new Lines(task, total, done, unit, out, nanoClock, interval.toNanos()));
    }

    /** {@code units} more done; {@code message} (or null to keep the last) shown after the bar. */
    public void step(long units, String message) {
        if (bar != null) {
            bar.stepBy(units);
            if (message != null) bar.setExtraMessage(message);
        }
        if (lines != null) lines.update(lines.done + units, message);
    }

    /** {@code done} units done in all; {@code message} (or null to keep the last) shown after the bar. */
    public void stepTo(long done, String message) {
        if (bar != null) {
            bar.stepTo(done);
            if (message != null) bar.setExtraMessage(message);
        }
        if (lines != null) lines.update(done, message);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }

    /** The line form: units done, share, last message, rate since the start, elapsed time and ETA. */
    private static final class Lines {
        private final String task;
        private final long total;
        private final String unit;
        private final PrintStream out;
        private final LongSupplier nanoClock;
        private final long intervalNanos;
        private final long startNanos;
        private final long startDone;
        private long done;
        private long lastLineNanos;
        private String message;

        Lines(String task, long total, long done, String unit, PrintStream out, LongSupplier nanoClock, long intervalNanos) {
            this.task = task;
            this.total = total;
            this.unit = unit;
            this.out = out;
            this.nanoClock = nanoClock;
            this.intervalNanos = intervalNanos;
            this.startNanos = nanoClock.getAsLong();
            this.lastLineNanos = startNanos;
            this.startDone = done;
            this.done = done;
        }

        void update(long newDone, String newMessage) {
            done = newDone;
            if (newMessage != null) message = newMessage;
            long now = nanoClock.getAsLong();
            if (now - lastLineNanos < intervalNanos) return;
            lastLineNanos = now;
            out.println(line(now));
            out.flush();
        }

        private String line(long now) {
            double elapsed = (now - startNanos) / 1e9;
            double rate = (done - startDone) / elapsed;
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s: %d/%d %s (%.1f%%)", task, done, total, unit,
                    100.0 * done / Math.max(1, total)));
            if (message != null) s.append(" | ").append(message);
            s.append(String.format(Locale.ROOT, " | %.1f %s/s | elapsed %s, ETA %s", rate, unit, clock(elapsed),
                    rate > 0 ? clock((total - done) / rate) : "unknown"));
            return s.toString();
        }

        /** Seconds as m:ss, or h:mm:ss from an hour on. */
        private static String clock(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                    : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
    }
}
