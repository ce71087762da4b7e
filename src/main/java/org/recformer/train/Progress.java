package org.recformer.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

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
        if (!show || System.console() == null) return new Progress(null);
        return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(500).build());
    }

    public void step(long units, String message) {
        if (bar == null) return;
        bar.stepBy(units);
        if (message != null) bar.setExtraMessage(message);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
