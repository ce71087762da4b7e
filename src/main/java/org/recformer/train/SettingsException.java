package org.recformer.train;

/**
 * A bad value in a settings record: {@code field} is the record component's name, the message says
 * what was expected and what was given, without naming how the value was passed (the command line
 * turns the field into its option's name).
 */
public final class SettingsException extends IllegalArgumentException {
    private final String field;
    private final String problem;

    public SettingsException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    /** Checks {@code ok}, else throws for {@code field}. */
    public static void require(boolean ok, String field, String problem) {
        if (!ok) throw new SettingsException(field, problem);
    }

    /** The record component holding the bad value. */
    public String field() {
        return field;
    }

    /** What is wrong with it, e.g. "must be >= 1, got 0". */
    public String problem() {
        return problem;
    }
}
