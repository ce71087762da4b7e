package org.recformer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Where every command's unexpected failure ends (any exception or error a command does not turn
 * into its own message): one line on stderr naming the command's input files and folders and the
 * log file that holds the stack trace (the run's log when one was opened, else a file in the
 * temporary folder), exit status 1. An IllegalArgumentException is bad input whose message names
 * it: that message alone, exit status 2. A command never ends in a stack trace on the console.
 */
final class UnexpectedFailure implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parsed) {
        if (e instanceof IllegalArgumentException) { // bad input, by the project's convention: its message names it
            commandLine.getOut().flush();
            commandLine.getErr().println(commandName(parsed) + ": " + oneLine(String.valueOf(e.getMessage())));
            commandLine.getErr().flush();
            return 2;
        }
        return report(e, commandLine, parsed);
    }

    /** Prints the one line, writes the trace, and returns the exit status (1). */
    static int report(Throwable failure, CommandLine commandLine, ParseResult parsed) {
        String command = commandName(parsed);
        String where = traceFile(failure, command, runLog(parsed));
        String what = failure instanceof OutOfMemoryError
                ? "out of memory (heap limit " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB; a larger -Xmx or a smaller model or batch may help)"
                : "unexpected " + failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
        List<String> inputs = pathOptions(parsed);
        PrintWriter err = commandLine.getErr();
        commandLine.getOut().flush();
        err.println(command + ": " + oneLine(what) + (inputs.isEmpty() ? "" : " (inputs: " + String.join(", ", inputs) + ")")
                + "; details: " + where);
        err.flush();
        return 1;
    }

    private static String commandName(ParseResult parsed) {
        List<String> names = new ArrayList<>();
        for (ParseResult p = parsed; p != null; p = p.subcommand()) names.add(p.commandSpec().name());
        return String.join(" ", names);
    }

    /** The options given on the command line whose values are paths, as {@code --name value}. */
    private static List<String> pathOptions(ParseResult parsed) {
        List<String> out = new ArrayList<>();
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            for (OptionSpec option : p.matchedOptions()) {
                if (option.type() == Path.class) out.add(option.longestName() + " " + option.getValue());
            }
        }
        return out;
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ");
    }

    /** The log file of the command that ran, when it is a job whose run folder exists; else null. */
    private static Path runLog(ParseResult parsed) {
        ParseResult last = parsed;
        while (last.subcommand() != null) last = last.subcommand();
        if (last.commandSpec().userObject() instanceof JobCommand job) {
            Path log = job.logFile();
            if (log != null && Files.isDirectory(log.toAbsolutePath().getParent())) return log;
        }
        return null;
    }

    /** Appends the trace to {@code log} (or, when null, a new file) and returns that file, or a note when it cannot be written. */
    private static String traceFile(Throwable failure, String command, Path log) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        try {
            if (log == null) {
                log = Path.of(System.getProperty("java.io.tmpdir"), "recformer-failure-" + ProcessHandle.current().pid() + ".log");
            }
            Files.writeString(log, command + " failed:\n" + trace, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return log.toString();
        } catch (IOException | RuntimeException e) {
            return "(no log file could be written: " + e.getMessage() + ")";
        }
    }
}
