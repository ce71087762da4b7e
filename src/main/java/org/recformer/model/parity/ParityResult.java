package org.recformer.model.parity;

import org.recformer.io.HostTensor;

import java.util.List;
import java.util.Map;

/** The rows of a parity run and every tensor it computed (by fixture file stem, float32). */
public record ParityResult(List<ParityRow> rows, Map<String, HostTensor> computed) {

    /** True when at least one output was compared and every comparison passed. */
    public boolean allPass() {
        return !rows.isEmpty() && rows.stream().allMatch(ParityRow::pass);
    }

    /** The table as text: output, max abs diff, tolerance, PASS/FAIL, note. */
    public String table() {
        StringBuilder sb = new StringBuilder(String.format("%-32s %12s %12s  %-4s  %s%n", "output", "max abs diff", "tolerance", "", "note"));
        for (ParityRow r : rows) {
            sb.append(String.format("%-32s %12.3e %12.3e  %-4s  %s%n", r.output(), r.maxAbsDiff(), r.tolerance(),
                    r.pass() ? "PASS" : "FAIL", r.note()));
        }
        long failed = rows.stream().filter(r -> !r.pass()).count();
        sb.append(rows.size() - failed).append(" of ").append(rows.size()).append(" outputs pass");
        return sb.toString();
    }
}
