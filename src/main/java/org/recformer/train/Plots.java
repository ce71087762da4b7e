package org.recformer.train;

import org.recformer.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** PNG line plots of training curves (training loss, validation NDCG@10), headless. */
public final class Plots {
    private Plots() {}

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Writes a line plot of ys against xs to {@code png} (replaced atomically). */
    public static void line(Path png, String title, String xLabel, String yLabel, List<Double> xs, List<Double> ys)
            throws IOException {
        if (xs.size() != ys.size()) throw new IllegalArgumentException(xs.size() + " x values for " + ys.size() + " y values");
        XYSeries series = new XYSeries(yLabel);
        for (int i = 0; i < xs.size(); i++) series.add(xs.get(i), ys.get(i));
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, new XYSeriesCollection(series),
                PlotOrientation.VERTICAL, false, false, false);
        AtomicFiles.writeFile(png, tmp -> ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 800, 500));
    }
}
