package org.recformer.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingPlotsTest {
    private static final int WHITE = 0xffffff;

    @Test
    void writesLossValidationAndSideBySideReportOnWhite(@TempDir Path dir) throws Exception {
        TrainerState state = TrainerState.start(1, 1);
        state.trainLoss.addAll(List.of(6.1, 5.2, 4.8, 4.7));
        state.epoch = 1;
        state.recordEvaluation(0.05);
        state.epoch = 2;
        state.recordEvaluation(0.08);
        state.epoch = 4;
        state.recordEvaluation(0.07);
        TrainingPlots.write(dir, state, 0.03);

        BufferedImage report = ImageIO.read(dir.resolve(TrainingPlots.REPORT_FILE).toFile());
        assertEquals(2 * Plots.WIDTH, report.getWidth());
        assertEquals(Plots.HEIGHT, report.getHeight());
        for (String file : List.of(TrainingPlots.LOSS_FILE, TrainingPlots.VALIDATION_FILE)) {
            BufferedImage single = ImageIO.read(dir.resolve(file).toFile());
            assertEquals(Plots.WIDTH, single.getWidth(), file);
            assertTrue(countColour(single, 0, Plots.WIDTH, WHITE) > 0.8 * Plots.WIDTH * Plots.HEIGHT, file + ": white background");
        }
        assertTrue(countRed(report, 0, Plots.WIDTH) > 100, "best epoch marked on the loss chart");
        assertTrue(countRed(report, Plots.WIDTH, 2 * Plots.WIDTH) > 100, "best epoch marked on the validation chart");
    }

    private static int countColour(BufferedImage image, int fromX, int toX, int rgb) {
        int n = 0;
        for (int x = fromX; x < toX; x++) {
            for (int y = 0; y < image.getHeight(); y++) if ((image.getRGB(x, y) & 0xffffff) == rgb) n++;
        }
        return n;
    }

    /** Pixels of the best-epoch marker's red (antialiased, so not one exact colour). */
    private static int countRed(BufferedImage image, int fromX, int toX) {
        int n = 0;
        for (int x = fromX; x < toX; x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int rgb = image.getRGB(x, y);
                if ((rgb >> 16 & 0xff) > 170 && (rgb >> 8 & 0xff) < 110 && (rgb & 0xff) < 110) n++;
            }
        }
        return n;
    }
}
