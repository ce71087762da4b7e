package org.recformer.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives a plain {@code java -jar recformer.jar} the JVM options the engine wants, which a jar
 * manifest cannot set: when this JVM lacks one of them, the launcher starts the same command once
 * more in a child JVM with the missing ones added (same JVM options, same arguments, same standard
 * streams) and exits with its status. {@code -Drecformer.relaunch=false} turns this off.
 * <ul>
 * <li>{@code --add-modules jdk.incubator.vector}: the Vector API matrix kernel (twice as fast on an AVX2 core
 * as the auto-vectorized loops: the README's "How it is built"); without it the plain loops run.
 * <li>{@code -XX:PerMethodTrapLimit=10000}: HotSpot's C2 stops speculating on a class (and the
 * matrix kernel's vectors end up boxed on the heap, whole runs 2-3x slower) once the class-check
 * traps recorded by all the methods it inlines into one compilation reach this limit, 100 by
 * default. The Vector API inlines one shared JDK method into every vector operation, and that
 * method records 4 such traps in some runs: 28 operations in the kernel's loop then pass 100
 * (docs/results-bench.md, "Class-check traps").
 * <li>A heap sized by what the job keeps alive, when the user chose no collector:
 * {@code -XX:+UseSerialGC -XX:MaxNewSize=256m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=100
 * -XX:PretenureSizeThreshold=1m}. Every collector with its default sizing grows the heap well past
 * the live set when the maximum heap allows it (a base finetuning step of 1 x 1024 tokens: 5.1-5.7 GB
 * resident for a live set of about 3 GB, PyTorch 3.9 GB); with at most 256 MB of young generation
 * and the old one grown only when less than 10% of it is free after a collection, the same step
 * stays at 3.3-3.4 GB with no {@code -Xmx} (docs/results-bench.md, "A heap that follows the live
 * set"). Arrays of 1 MB or more (activations, gradients) are allocated straight in the old
 * generation, so the young collections no longer copy a step's activations there, and the heap is
 * never shrunk, so the next step reuses the pages a collection freed instead of faulting in fresh
 * ones: base training steps 1.08x (1 x 1024) and 1.13x (4 x 512) faster (medians of alternated
 * runs), same peak (docs/results-bench.md, "Large arrays born old, a heap that keeps its pages").
 * A user who names a collector ({@code -XX:+Use...GC}) gets none of these five.
 * <li>{@code -XX:+UseTransparentHugePages}, on Linux when the kernel gives transparent huge pages to the memory
 * that asks for them ({@code [madvise]} in {@code /sys/kernel/mm/transparent_hugepage/enabled}, a common
 * default): the heap then sits on 2 MB pages instead of 4 KB ones, as numpy's large arrays already
 * do under that setting, so that the matrix products' packing, which reads a few hundred bytes from each of
 * thousands of rows, does not wait on address translations: single-precision products 1-2.5% faster on the
 * shapes where the operands are read from memory (3072 x 768 x 1024 G^T x 0.962-0.965 of OpenBLAS without,
 * 0.987-0.989 with, two threads), training steps and encoding level or faster, same peak memory
 * (docs/results-bench.md, "The heap on huge pages"). Where the kernel's mode is {@code always} the heap gets
 * them without the option, and where it is {@code never} the option would do nothing.
 * </ul>
 * An option already given (with any value) is kept as given.
 */
final class JvmRelaunch {
    private static final String MODULE = "jdk.incubator.vector";
    /** The trap limit option and the value the launcher gives it. */
    private static final String TRAP_LIMIT = "-XX:PerMethodTrapLimit=", TRAP_LIMIT_VALUE = "10000";
    /** Where Linux says whether it gives transparent huge pages always, to memory that asks ("[madvise]") or never. */
    private static final Path HUGE_PAGES_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private JvmRelaunch() {}

    /** True when an option is missing, relaunching is allowed, and this JVM was started from a jar or class path we can repeat. */
    static boolean wanted() {
        return !missingOptionsOfThisJvm(jvmArguments()).isEmpty()
                && !"false".equals(System.getProperty("recformer.relaunch"))
                && System.getProperty("recformer.relaunched") == null
                && !System.getProperty("java.class.path", "").isEmpty();
    }

    /** {@link #missingOptions} for this JVM's module layer and this machine's huge-page mode. */
    private static List<String> missingOptionsOfThisJvm(List<String> jvmArguments) {
        return missingOptions(ModuleLayer.boot().findModule(MODULE).isPresent(), hugePagesOnRequest(), jvmArguments);
    }

    /**
     * The JVM options to add to a JVM with these arguments (and the module present or not; with
     * {@code hugePagesOnRequest}, the heap gets transparent huge pages only when the JVM asks for them).
     */
    static List<String> missingOptions(boolean modulePresent, boolean hugePagesOnRequest, List<String> jvmArguments) {
        List<String> missing = new ArrayList<>();
        if (!modulePresent) missing.addAll(List.of("--add-modules", MODULE));
        addUnlessGiven(missing, jvmArguments, TRAP_LIMIT + TRAP_LIMIT_VALUE, TRAP_LIMIT);
        if (jvmArguments.stream().noneMatch(JvmRelaunch::namesCollector)) {
            missing.add("-XX:+UseSerialGC");
            addUnlessGiven(missing, jvmArguments, "-XX:MaxNewSize=256m", "-XX:MaxNewSize=", "-Xmn");
            addUnlessGiven(missing, jvmArguments, "-XX:MinHeapFreeRatio=10", "-XX:MinHeapFreeRatio=");
            addUnlessGiven(missing, jvmArguments, "-XX:MaxHeapFreeRatio=100", "-XX:MaxHeapFreeRatio=");
            addUnlessGiven(missing, jvmArguments, "-XX:PretenureSizeThreshold=1m", "-XX:PretenureSizeThreshold=");
        }
        if (hugePagesOnRequest) {
            addUnlessGiven(missing, jvmArguments, "-XX:+UseTransparentHugePages", "-XX:+UseTransparentHugePages", "-XX:-UseTransparentHugePages",
                    "-XX:+UseLargePages", "-XX:-UseLargePages");
        }
        return missing;
    }

    /** Adds {@code option} unless an argument starts with one of {@code givenAs} (the option's name, with any value). */
    private static void addUnlessGiven(List<String> missing, List<String> jvmArguments, String option, String... givenAs) {
        for (String argument : jvmArguments) {
            for (String name : givenAs) if (argument.startsWith(name)) return;
        }
        missing.add(option);
    }

    /** Whether a JVM option chooses the garbage collector ({@code -XX:+UseG1GC}, {@code -XX:+UseParallelGC}, ...). */
    private static boolean namesCollector(String option) {
        return option.startsWith("-XX:+Use") && option.endsWith("GC");
    }

    /** Runs the child JVM and returns its exit status. */
    static int relaunch(String[] args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> jvm = jvmArguments();
        command.addAll(jvm);
        command.addAll(missingOptionsOfThisJvm(jvm));
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

    /** True where Linux gives transparent huge pages to the memory that asks for them (mode madvise). */
    static boolean hugePagesOnRequest() {
        try {
            return Files.readString(HUGE_PAGES_MODE).contains("[madvise]");
        } catch (IOException | SecurityException e) { // not Linux, or no such setting: the JVM's default pages
            return false;
        }
    }

    private static List<String> jvmArguments() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments();
    }
}
