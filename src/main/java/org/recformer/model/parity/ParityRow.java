package org.recformer.model.parity;

/**
 * One compared output: its name (the fixture file stem), the largest absolute difference to the
 * reference, the tolerance it must meet (absolute), whether it passed, and a note (what the tolerance
 * is relative to, or why the comparison failed outright, e.g. a shape mismatch).
 */
public record ParityRow(String output, double maxAbsDiff, double tolerance, boolean pass, String note) {
}
