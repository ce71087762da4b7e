package org.recformer.cli;

import org.recformer.train.SettingsException;
import org.recformer.train.TrainingDivergedException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * A command whose failures end in one message on stderr: bad input (an IllegalArgumentException,
 * which names the file, or a {@link SettingsException}, whose field becomes its option name) gives
 * exit status 2, a diverged run or an I/O error status 1.
 */
abstract class JobCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** The job; returns the exit status. */
    abstract int runJob() throws IOException;

    /** The log file of the job's run, where an unexpected failure's trace goes; null when the job has none (yet). */
    Path logFile() {
        return null;
    }

    @Override
    public final Integer call() {
        try {
            return runJob();
        } catch (SettingsException e) {
            return fail(SettingsErrors.message(spec, e), 2);
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage(), 2);
        } catch (TrainingDivergedException e) {
            return fail(e.getMessage(), 1);
        } catch (IOException | UncheckedIOException e) {
            return fail("I/O error: " + e.getMessage(), 1);
        }
    }

    private int fail(String message, int status) {
        spec.commandLine().getOut().flush();
        spec.commandLine().getErr().println("recformer " + spec.name() + ": " + message);
        spec.commandLine().getErr().flush();
        return status;
    }
}
