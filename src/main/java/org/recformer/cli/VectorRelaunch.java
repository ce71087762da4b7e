package org.recformer.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives a plain {@code java -jar recformer.jar} the JVM options the Vector API kernels need, which
 * a jar manifest cannot set: when this JVM lacks one of them, the launcher starts the same command
 * once more in a child JVM with the missing ones added (same JVM options, same arguments, same
 * standard streams) and exits with its status. {@code -Drecformer.relaunch=false} turns this off.
 * <ul>
 * <li>{@code --add-modules jdk.incubator.vector}: the Vector API matrix kernel (about 1.5x faster
 * than the auto-vectorized loops, see the README's performance section); without it the plain loops run.
 * <li>{@code -XX:PerMethodTrapLimit=10000}: HotSpot's C2 stops speculating on a class (and the
 * matrix kernel's vectors end up boxed on the heap, whole runs 2-3x slower) once the class-check
 * traps recorded by all the methods it inlines into one compilation reach this limit, 100 by
 * default. The Vector API inlines one shared JDK method into every vector operation, and that
 * method records 4 such traps in some runs: 28 operations in the kernel's loop then pass 100
 * (docs/results-bench.md, "Class-check traps").
 * </ul>
 * An option already given (with any value) is kept as given.
 */
final class VectorRelaunch {
    private static final String MODULE = "jdk.incubator.vector";
    /** The trap limit option and the value the launcher gives it. */
    private static final String TRAP_LIMIT = "-XX:PerMethodTrapLimit=", TRAP_LIMIT_VALUE = "10000";

    private VectorRelaunch() {}

    /** True when an option is missing, relaunching is allowed, and this JVM was started from a jar or class path we can repeat. */
    static boolean wanted() {
        return !missingOptions(ModuleLayer.boot().findModule(MODULE).isPresent(), jvmArguments()).isEmpty()
                && !"false".equals(System.getProperty("recformer.relaunch"))
                && System.getProperty("recformer.relaunched") == null
                && !System.getProperty("java.class.path", "").isEmpty();
    }

    /** The JVM options to add to a JVM with these arguments (and the module present or not). */
    static List<String> missingOptions(boolean modulePresent, List<String> jvmArguments) {
        List<String> missing = new ArrayList<>();
        if (!modulePresent) missing.addAll(List.of("--add-modules", MODULE));
        if (jvmArguments.stream().noneMatch(a -> a.startsWith(TRAP_LIMIT))) missing.add(TRAP_LIMIT + TRAP_LIMIT_VALUE);
        return missing;
    }

    /** Runs the child JVM and returns its exit status. */
    static int relaunch(String[] args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> jvm = jvmArguments();
        command.addAll(jvm);
        command.addAll(missingOptions(ModuleLayer.boot().findModule(MODULE).isPresent(), jvm));
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

    private static List<String> jvmArguments() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments();
    }
}
