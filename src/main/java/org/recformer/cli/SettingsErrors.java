package org.recformer.cli;

import org.recformer.train.SettingsException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.lang.reflect.Field;
import java.util.Optional;

/**
 * Turns a {@link SettingsException} into a command-line message: the settings field is the option
 * whose annotated Java field has the same name (so a command names its option fields after the
 * settings record's components).
 */
final class SettingsErrors {
    private SettingsErrors() {
    }

    /** The option of {@code spec} that sets settings field {@code field}, if any. */
    static Optional<String> option(CommandSpec spec, String field) {
        for (OptionSpec option : spec.options()) {
            if (option.userObject() instanceof Field f && f.getName().equals(field)) return Optional.of(option.longestName());
        }
        return Optional.empty();
    }

    /** "--batch-size: must be >= 1, got 0"; the field name where no option sets it. */
    static String message(CommandSpec spec, SettingsException e) {
        return option(spec, e.field()).orElse(e.field()) + ": " + e.problem();
    }
}
