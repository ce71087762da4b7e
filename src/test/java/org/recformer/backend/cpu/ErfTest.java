package org.recformer.backend.cpu;

import org.junit.jupiter.api.Test;
import org.recformer.testing.Ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cody's erf / erfc against an independent series / continued-fraction reference in double. */
class ErfTest {

    @Test
    void referenceSeriesAndContinuedFractionAgreeWhereTheyMeet() {
        // the two halves of the reference must agree where both converge, or neither can be trusted
        for (double x = 1.5; x <= 3.0; x += 0.125) {
            double series = 1 - Ref.erfSeries(x);
            double fraction = Ref.erfcContinuedFraction(x);
            assertEquals(fraction, series, 1e-13 + 1e-9 * fraction, "erfc(" + x + ")");
        }
    }

    @Test
    void erfMatchesReferenceToFloatPrecision() {
        double worst = 0;
        for (int i = -12000; i <= 12000; i++) {
            double x = i / 1000.0;
            double expected = Ref.erf(x);
            double rel = Math.abs(Erf.erf(x) - expected) / Math.max(Math.abs(expected), Double.MIN_NORMAL);
            worst = Math.max(worst, x == 0 ? Math.abs(Erf.erf(x)) : rel);
        }
        assertTrue(worst < 1e-9, "worst relative error of erf " + worst);
    }

    @Test
    void erfcKeepsRelativePrecisionInTheTails() {
        double worst = 0;
        for (int i = -6000; i <= 26000; i++) { // erfc(26) is about 1e-296
            double x = i / 1000.0;
            double expected = Ref.erfc(x);
            worst = Math.max(worst, Math.abs(Erf.erfc(x) - expected) / expected);
        }
        assertTrue(worst < 1e-9, "worst relative error of erfc " + worst);
    }

    @Test
    void limits() {
        assertEquals(1.0, Erf.erf(40), 0);
        assertEquals(-1.0, Erf.erf(-40), 0);
        assertEquals(0.0, Erf.erfc(40), 0);
        assertEquals(2.0, Erf.erfc(-40), 0);
        assertEquals(0.0, Erf.erf(0), 0);
    }
}
