package org.recformer.train;

import org.recformer.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * PNG line charts of training curves, headless: white background, light grid, points on the line,
 * whole-number ticks on the x axis (epochs, optimizer steps), optionally a dashed horizontal
 * reference series (a baseline) and a marked x value (the best epoch).
 */
public final class Plots {
    /** Width and height of one chart in pixels. */
    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    private static final Color CURVE = new Color(0x1f, 0x77, 0xb4);
    private static final Color REFERENCE = new Color(0x7f, 0x7f, 0x7f);
    private static final Color MARK = new Color(0xd6, 0x27, 0x28);

    private Plots() {}

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Writes a line chart of ys against xs to {@code png} (replaced atomically). */
    public static void line(Path png, String title, String xLabel, String yLabel, List<Double> xs, List<Double> ys)
            throws IOException {
        save(png, chart(title, xLabel, yLabel, xs, ys));
    }

    /** A line chart of ys against xs (the series is named {@code yLabel}). */
    public static JFreeChart chart(String title, String xLabel, String yLabel, List<Double> xs, List<Double> ys) {
        if (xs.size() != ys.size()) throw new IllegalArgumentException(xs.size() + " x values for " + ys.size() + " y values");
        XYSeries series = new XYSeries(yLabel);
        for (int i = 0; i < xs.size(); i++) series.add(xs.get(i), ys.get(i));
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, new XYSeriesCollection(series),
                PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getLegend().setVisible(false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
        plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
        plot.setOutlineVisible(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setSeriesPaint(0, CURVE);
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        plot.setRenderer(renderer);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }

    /** Shows the x axis from {@code from} to {@code to}. */
    public static void xRange(JFreeChart chart, double from, double to) {
        chart.getXYPlot().getDomainAxis().setRange(from, to);
    }

    /** Adds a dashed horizontal line at {@code y} over the x range [{@code fromX}, {@code toX}], named {@code label} in the legend. */
    public static void reference(JFreeChart chart, String label, double y, double fromX, double toX) {
        XYPlot plot = chart.getXYPlot();
        XYSeriesCollection data = (XYSeriesCollection) plot.getDataset();
        XYSeries series = new XYSeries(label);
        series.add(fromX, y);
        series.add(toX, y);
        data.addSeries(series);
        int index = data.getSeriesCount() - 1;
        XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
        renderer.setSeriesPaint(index, REFERENCE);
        renderer.setSeriesShapesVisible(index, false);
        renderer.setSeriesStroke(index, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
        chart.getLegend().setVisible(true);
    }

    /** Marks {@code x} with a vertical line labelled {@code label} (on the side with more room, given the x range set). */
    public static void markX(JFreeChart chart, double x, String label) {
        ValueMarker marker = new ValueMarker(x, MARK, new BasicStroke(1.5f));
        marker.setLabel(label);
        marker.setLabelPaint(MARK);
        marker.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        boolean rightHalf = x > chart.getXYPlot().getDomainAxis().getRange().getCentralValue();
        marker.setLabelAnchor(rightHalf ? RectangleAnchor.TOP_LEFT : RectangleAnchor.TOP_RIGHT);
        marker.setLabelTextAnchor(rightHalf ? TextAnchor.TOP_RIGHT : TextAnchor.TOP_LEFT);
        chart.getXYPlot().addDomainMarker(marker);
    }

    /** Writes one chart ({@link #WIDTH} x {@link #HEIGHT}) to {@code png} (replaced atomically). */
    public static void save(Path png, JFreeChart chart) throws IOException {
        saveSideBySide(png, List.of(chart));
    }

    /** Writes the charts next to each other, each {@link #WIDTH} x {@link #HEIGHT}, to {@code png} (replaced atomically). */
    public static void saveSideBySide(Path png, List<JFreeChart> charts) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH * charts.size(), HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        for (int i = 0; i < charts.size(); i++) charts.get(i).draw(g, new Rectangle2D.Double(i * WIDTH, 0, WIDTH, HEIGHT));
        g.dispose();
        AtomicFiles.writeFile(png, tmp -> {
            if (!ImageIO.write(image, "png", tmp.toFile())) throw new IOException("no PNG writer available for " + png);
        });
    }
}
