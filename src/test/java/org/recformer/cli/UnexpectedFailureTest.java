package org.recformer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.testing.CommandRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command's unexpected failure ends in one line naming its inputs and the run's log file, which holds the trace. */
class UnexpectedFailureTest {

    /** A job whose run log is {@code --data}/run.log. */
    @Command(name = "boom")
    static final class Boom extends JobCommand {
        @Option(names = "--data")
        Path data;

        @Option(names = "--kind")
        String kind;

        @Override
        Path logFile() {
            return data.resolve("run.log");
        }

        @Override
        int runJob() {
            switch (kind) {
                case "bug" -> throw new IllegalStateException("a bug\nwith two lines");
                case "memory" -> throw new OutOfMemoryError("Java heap space");
                case "input" -> throw new IllegalArgumentException(data + ": not a dataset");
                default -> {
                    return 0;
                }
            }
        }
    }

    private static CommandRun boom(Path data, String kind) {
        CommandLine cl = Main.commandLine();
        cl.addSubcommand(new Boom());
        return CommandRun.of(cl, "boom", "--data", data.toString(), "--kind", kind);
    }

    private static void assertOneLineWithTrace(CommandRun run, Path data, String what, String traced) throws Exception {
        assertEquals(1, run.status());
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("recformer boom: " + what), err);
        assertTrue(err.contains("(inputs: --data " + data + ")"), err);
        assertTrue(err.endsWith("; details: " + data.resolve("run.log")), err);
        assertTrue(Files.readString(data.resolve("run.log")).contains(traced));
    }

    @Test
    void anExceptionIsOneLineNamingTheInputsWithTheTraceInALog(@TempDir Path tmp) throws Exception {
        assertOneLineWithTrace(boom(tmp, "bug"), tmp, "unexpected IllegalStateException: a bug with two lines",
                "at org.recformer.cli.UnexpectedFailureTest$Boom.runJob");
    }

    @Test
    void anErrorSuchAsOutOfMemoryIsOneLineToo(@TempDir Path tmp) throws Exception {
        assertOneLineWithTrace(boom(tmp, "memory"), tmp, "out of memory (heap limit",
                "java.lang.OutOfMemoryError: Java heap space");
    }

    @Test
    void badInputIsItsMessageAndStatusTwo(@TempDir Path tmp) {
        CommandRun run = boom(tmp, "input");
        assertEquals(2, run.status());
        assertEquals("recformer boom: " + tmp + ": not a dataset", run.err().strip());
    }
}
