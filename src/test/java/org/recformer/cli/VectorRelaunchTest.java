package org.recformer.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which JVM options the launcher adds in its child JVM: only the missing ones, a value given by the user kept. */
class VectorRelaunchTest {
    @Test
    void addsBothToAPlainJvm() {
        assertEquals(List.of("--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000"),
                VectorRelaunch.missingOptions(false, List.of("-Xmx4g")));
    }

    @Test
    void addsTheTrapLimitWhenTheModuleIsThere() {
        assertEquals(List.of("-XX:PerMethodTrapLimit=10000"),
                VectorRelaunch.missingOptions(true, List.of("--add-modules=jdk.incubator.vector", "-Xmx4g")));
    }

    @Test
    void keepsATrapLimitTheUserGave() {
        assertEquals(List.of(), VectorRelaunch.missingOptions(true, List.of("-XX:PerMethodTrapLimit=500")));
        assertEquals(List.of("--add-modules", "jdk.incubator.vector"),
                VectorRelaunch.missingOptions(false, List.of("-XX:PerMethodTrapLimit=100")));
    }
}
