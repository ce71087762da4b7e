package org.recformer.testing;

import org.recformer.cli.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * A {@code recformer} command run in-process: its exit status and the text it printed.
 *
 * @param status exit status
 * @param out    standard output
 * @param err    standard error
 */
public record CommandRun(int status, String out, String err) {

    /** Runs {@code args} on a fresh {@link Main#commandLine()}. */
    public static CommandRun of(String... args) {
        return of(Main.commandLine(), args);
    }

    /** Runs {@code args} on {@code commandLine} (e.g. one configured by the test), capturing its output. */
    public static CommandRun of(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute(args);
        return new CommandRun(status, out.toString(), err.toString());
    }
}
