package org.recformer.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PlotsTest {
    @Test
    void writesAReadablePng(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("loss.png");
        Plots.line(png, "training loss", "epoch", "loss", List.of(1.0, 2.0, 3.0), List.of(5.0, 3.0, 2.5));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
    }
}
