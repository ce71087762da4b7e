package org.recformer.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which JVM options the launcher adds in its child JVM: only the missing ones, a value given by the user kept. */
class JvmRelaunchTest {
    private static final List<String> HEAP = List.of("-XX:+UseSerialGC", "-XX:MaxNewSize=256m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=100",
            "-XX:PretenureSizeThreshold=1m");

    @Test
    void addsEverythingToAPlainJvm() {
        assertEquals(concat(List.of("--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000"), HEAP),
                JvmRelaunch.missingOptions(false, false, List.of()));
    }

    @Test
    void addsTheTrapLimitWhenTheModuleIsThere() {
        assertEquals(List.of("-XX:PerMethodTrapLimit=10000"),
                JvmRelaunch.missingOptions(true, false, List.of("--add-modules=jdk.incubator.vector", "-XX:+UseG1GC")));
    }

    @Test
    void keepsATrapLimitTheUserGave() {
        assertEquals(List.of(), JvmRelaunch.missingOptions(true, false, List.of("-XX:PerMethodTrapLimit=500", "-XX:+UseSerialGC")));
        assertEquals(List.of("--add-modules", "jdk.incubator.vector"),
                JvmRelaunch.missingOptions(false, false, List.of("-XX:PerMethodTrapLimit=100", "-XX:+UseParallelGC")));
    }

    @Test
    void aNamedCollectorGetsNoHeapOptions() {
        assertEquals(List.of(), JvmRelaunch.missingOptions(true, false,
                List.of("-XX:PerMethodTrapLimit=10000", "-XX:+UseZGC", "-Xmx8g")));
    }

    @Test
    void aMaximumHeapKeepsTheHeapOptions() {
        assertEquals(HEAP, JvmRelaunch.missingOptions(true, false, List.of("-XX:PerMethodTrapLimit=10000", "-Xmx3g")));
    }

    @Test
    void keepsHeapSizingTheUserGave() {
        assertEquals(List.of("-XX:+UseSerialGC", "-XX:MaxHeapFreeRatio=100", "-XX:PretenureSizeThreshold=1m"),
                JvmRelaunch.missingOptions(true, false, List.of("-XX:PerMethodTrapLimit=10000", "-Xmn1g", "-XX:MinHeapFreeRatio=30")));
        assertEquals(List.of("-XX:+UseSerialGC", "-XX:MinHeapFreeRatio=10"), JvmRelaunch.missingOptions(true, false,
                List.of("-XX:PerMethodTrapLimit=10000", "-XX:MaxNewSize=64m", "-XX:MaxHeapFreeRatio=50", "-XX:PretenureSizeThreshold=4m")));
    }

    @Test
    void asksForHugePagesWhereLinuxGivesThemOnRequest() {
        assertEquals(concat(concat(List.of("--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000"), HEAP),
                List.of("-XX:+UseTransparentHugePages")), JvmRelaunch.missingOptions(false, true, List.of()));
        assertEquals(List.of("-XX:+UseTransparentHugePages"),
                JvmRelaunch.missingOptions(true, true, List.of("-XX:PerMethodTrapLimit=10000", "-XX:+UseZGC")));
    }

    @Test
    void keepsAPageChoiceTheUserMade() {
        for (String given : List.of("-XX:-UseTransparentHugePages", "-XX:+UseTransparentHugePages", "-XX:+UseLargePages", "-XX:-UseLargePages")) {
            assertEquals(List.of(), JvmRelaunch.missingOptions(true, true, List.of("-XX:PerMethodTrapLimit=10000", "-XX:+UseZGC", given)), given);
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
