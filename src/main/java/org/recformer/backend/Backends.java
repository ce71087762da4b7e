package org.recformer.backend;

import org.recformer.backend.cpu.CpuBackend;

/** The CPU backend, one per process (it holds no per-job state). Other backends are chosen by name with {@link Devices}. */
public final class Backends {
    private static final CpuBackend CPU = new CpuBackend();

    private Backends() {}

    public static CpuBackend cpu() {
        return CPU;
    }
}
