package org.recformer.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives a plain {@code java -jar recformer.jar} the Vector API matrix kernel (about 1.5x faster
 * than the auto-vectorized loops, see the README's performance section). The incubating module
 * {@code jdk.incubator.vector} can only be added on the JVM command line, not by a jar manifest,
 * so when it is missing the launcher starts the same command once more in a child JVM with
 * {@code --add-modules jdk.incubator.vector} (same JVM options, same arguments, same standard
 * streams) and exits with its status. {@code -Drecformer.relaunch=false} turns this off; the plain
 * loops then run.
 */
final class VectorRelaunch {
    private static final String MODULE = "jdk.incubator.vector";

    private VectorRelaunch() {}

    /** True when the module is absent, relaunching is allowed, and this JVM was started from a jar or class path we can repeat. */
    static boolean wanted() {
        return ModuleLayer.boot().findModule(MODULE).isEmpty()
                && !"false".equals(System.getProperty("recformer.relaunch"))
                && System.getProperty("recformer.relaunched") == null
                && !System.getProperty("java.class.path", "").isEmpty();
    }

    /** Runs the child JVM and returns its exit status. */
    static int relaunch(String[] args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("--add-modules");
        command.add(MODULE);
        command.add("-Drecformer.relaunched=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).inheritIO().start();
        Thread stopChild = new Thread(child::destroy);
        Runtime.getRuntime().addShutdownHook(stopChild);
        int status = child.waitFor();
        Runtime.getRuntime().removeShutdownHook(stopChild);
        return status;
    }
}
