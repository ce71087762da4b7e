package org.recformer.backend;

import org.recformer.backend.cpu.CpuBackend;
import org.recformer.tensor.Backend;

/** The process-wide default backend that tensor factories use (the CPU backend unless set). */
public final class Backends {
    private static final CpuBackend CPU = new CpuBackend();
    private static volatile Backend defaultBackend = CPU;

    private Backends() {}

    public static CpuBackend cpu() {
        return CPU;
    }

    public static Backend getDefault() {
        return defaultBackend;
    }

    public static void setDefault(Backend backend) {
        defaultBackend = backend;
    }
}
