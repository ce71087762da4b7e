package org.recformer.convert;

import java.util.List;

/**
 * What a conversion did with each tensor.
 *
 * @param copied      output tensors taken by name from the input (values unchanged)
 * @param derived     output tensors built from an input tensor of another name or shape, each with
 *                    how (e.g. a 1-row table repeated, tied word embeddings, embeddings from another file)
 * @param initialized output tensors the input did not provide, newly initialized at random
 * @param dropped     input tensors the target model has no place for (input names)
 */
public record ConversionReport(List<String> copied, List<String> derived, List<String> initialized, List<String> dropped) {
    public ConversionReport {
        copied = List.copyOf(copied);
        derived = List.copyOf(derived);
        initialized = List.copyOf(initialized);
        dropped = List.copyOf(dropped);
    }

    /** A few lines for the terminal: counts, then every derived, initialized and dropped tensor by name. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("copied by name: ").append(copied.size()).append(" tensors\n");
        section(sb, "derived", derived);
        section(sb, "initialized at random", initialized);
        section(sb, "dropped (no place in the target model)", dropped);
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<String> names) {
        sb.append(title).append(": ").append(names.size()).append(names.isEmpty() ? "\n" : " tensors\n");
        for (String n : names) sb.append("  ").append(n).append('\n');
    }
}
