package org.recformer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code recformer} command line: one subcommand per job. */
@Command(name = "recformer", mixinStandardHelpOptions = true, version = "recformer-java 0.1.0",
        description = "Recformer sequential recommendation in Java: train, evaluate, serve.",
        subcommands = {
                CommandLine.HelpCommand.class,
                TokenizeCommand.class,
                SasRecCommand.class,
                PrepareCommand.class,
                ParityCommand.class,
                TrainCommand.class,
                EvaluateCommand.class,
                RecommendCommand.class,
                PretrainCommand.class,
                ConvertCommand.class,
                BenchCommand.class,
        })
public final class Main implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) throws Exception {
        if (JvmRelaunch.wanted()) System.exit(JvmRelaunch.relaunch(args));
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (tests run commands through it). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // bad input, including an unknown option or option value, is status 2
        cl.setExitCodeExceptionMapper(e -> e instanceof IllegalArgumentException || e instanceof CommandLine.ParameterException ? 2 : 1);
        // anything else a command throws, errors (out of memory) included, is one line and a log file
        cl.setExecutionExceptionHandler(new UnexpectedFailure());
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            try {
                return run.execute(parsed);
            } catch (Error e) {
                return UnexpectedFailure.report(e, parsed.commandSpec().commandLine(), parsed);
            }
        });
        return cl;
    }
}
