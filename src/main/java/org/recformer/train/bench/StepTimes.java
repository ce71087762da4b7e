package org.recformer.train.bench;

import org.apache.commons.math3.stat.descriptive.rank.Percentile;

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

    /** Linear interpolation between order statistics (Commons Math's R-7, numpy's default), q in [0, 1]. */
    public double quantile(double q) {
        if (q < 0 || q > 1) throw new IllegalArgumentException("quantile " + q + " outside [0, 1]");
        if (q == 0) return min();
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7).evaluate(seconds, q * 100);
    }

    /** "median 0.123 s, min ..., p10 ..., p90 ..., max ..." for a report line. */
    public String summary() {
        return String.format(Locale.ROOT, "median %.3f s, min %.3f s, p10 %.3f s, p90 %.3f s, max %.3f s",
                median(), min(), quantile(0.1), quantile(0.9), max());
    }

    /** The sum of the measured times. */
    public double total() {
        double sum = 0;
        for (double t : seconds) sum += t;
        return sum;
    }

    public int count() {
        return seconds.length;
    }
}
