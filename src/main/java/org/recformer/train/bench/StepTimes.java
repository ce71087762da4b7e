package org.recformer.train.bench;

import java.util.Arrays;
import java.util.Locale;

/** Wall times of measured steps, in seconds, with the order statistics a benchmark reports. */
public record StepTimes(double[] seconds) {

    public StepTimes {
        if (seconds.length == 0) throw new IllegalArgumentException("no measured steps");
        seconds = seconds.clone();
        Arrays.sort(seconds);
    }

    public double median() {
        return quantile(0.5);
    }

    public double min() {
        return seconds[0];
    }

    public double max() {
        return seconds[seconds.length - 1];
    }

    /** Linear interpolation between order statistics (numpy's default), q in [0, 1]. */
    public double quantile(double q) {
        double pos = q * (seconds.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, seconds.length - 1);
        return seconds[lo] + (pos - lo) * (seconds[hi] - seconds[lo]);
    }

    /** "median 0.123 s, min ..., p10 ..., p90 ..., max ..." for a report line. */
    public String summary() {
        return String.format(Locale.ROOT, "median %.3f s, min %.3f s, p10 %.3f s, p90 %.3f s, max %.3f s",
                median(), min(), quantile(0.1), quantile(0.9), max());
    }

    public int count() {
        return seconds.length;
    }
}
