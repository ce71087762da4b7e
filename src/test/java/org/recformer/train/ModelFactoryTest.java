package org.recformer.train;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.backend.Backends;
import org.recformer.backend.Devices;
import org.recformer.backend.cpu.CpuBackend;
import org.recformer.backend.cuda.CudaBackend;
import org.recformer.backend.cuda.CudaUnavailableException;
import org.recformer.model.RecformerConfig;
import org.recformer.nn.Module;
import org.recformer.nn.Parameter;
import org.recformer.tensor.Backend;
import org.recformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Models built by {@link ModelFactory} live on its backend, and checkpoint weights load onto any backend and save the same bytes. */
class ModelFactoryTest {

    /**
     * Each model kind on the CPU backend, a second CPU backend object (a backend other than the one
     * that saved), and CUDA: the GPU where one is present, else the emulator where this build has it.
     */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        Backend emulator = CudaBackend.isAvailable() ? null : emulator();
        for (String kind : new String[] {"finetuning", "pretraining"}) {
            out.add(Arguments.of(kind, "cpu", Backends.cpu()));
            out.add(Arguments.of(kind, "another cpu backend", new CpuBackend()));
            if (CudaBackend.isAvailable()) out.add(Arguments.of(kind, "cuda", Devices.select("cuda")));
            else if (emulator != null) out.add(Arguments.of(kind, "cuda-emu", emulator));
        }
        return out.stream();
    }

    /** The CUDA backend on the emulator, or null where this build has none. */
    private static Backend emulator() {
        try {
            return Devices.select("cuda-emu");
        } catch (CudaUnavailableException e) {
            return null;
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void checkpointLoadsOntoTheBackendAndSavesTheSameBytes(String kind, String name, Backend backend, @TempDir Path tmp) throws Exception {
        RecformerConfig config = CheckpointTest.tinyConfig(kind.equals("finetuning") ? 5 : 0);
        Module saved = build(kind, new ModelFactory(Backends.cpu()), config, null);
        Checkpoint.save(tmp.resolve("a"), config, saved, Tokenizer.bundled(), null, null, null);

        Module loaded = build(kind, new ModelFactory(backend), config, tmp.resolve("a"));
        for (Map.Entry<String, Parameter> e : loaded.namedParameters().entrySet()) {
            assertSame(backend, e.getValue().tensor().backend(), e.getKey());
        }
        Checkpoint.save(tmp.resolve("b"), config, loaded, Tokenizer.bundled(), null, null, null);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(Checkpoint.MODEL_FILE)),
                Files.readAllBytes(tmp.resolve("b").resolve(Checkpoint.MODEL_FILE)));
    }

    /** A fresh model of {@code kind} ({@code from} null), or one loaded from the folder {@code from}, as a job builds it. */
    private static Module build(String kind, ModelFactory models, RecformerConfig config, Path from) throws IOException {
        if (kind.equals("finetuning")) {
            return from == null ? models.freshSeqRec(config, 7) : models.seqRecFromFolder(from, config.itemNum(), UnaryOperator.identity()).model();
        }
        return from == null ? models.freshPretraining(config, 3) : models.resumedPretraining(from, 3);
    }
}
