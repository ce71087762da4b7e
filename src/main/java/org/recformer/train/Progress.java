package org.recformer.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;

/**
 * Progress of a long loop: a console bar (rate, ETA and an extra message such as loss and learning
 * rate) when a terminal is attached, nothing otherwise (logs then carry one line per epoch).
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar over {@code total} units of {@code unit}; shown only when {@code show} and a console is attached. */
    public static Progress start(String task, long total, String unit, boolean show) {
        return start(task, total, 0, unit, show);
    }

    /** As {@link #start(String, long, String, boolean)}, resuming with {@code done} units already done (before this process). */
    public static Progress start(String task, long total, long done, String unit, boolean show) {
        if (!show || System.console() == null) return new Progress(null);
        return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(500)
                .startsFrom(done, Duration.ZERO).build());
    }

    /** {@code units} more done; {@code message} (or null to keep the last) shown after the bar. */
    public void step(long units, String message) {
        if (bar == null) return;
        bar.stepBy(units);
        if (message != null) bar.setExtraMessage(message);
    }

    /** {@code done} units done in all; {@code message} (or null to keep the last) shown after the bar. */
    public void stepTo(long done, String message) {
        if (bar == null) return;
        bar.stepTo(done);
        if (message != null) bar.setExtraMessage(message);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
