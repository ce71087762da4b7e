package org.recformer.train;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.backend.Backends;
import org.recformer.backend.Devices;
import org.recformer.backend.cpu.CpuBackend;
import org.recformer.backend.cuda.CudaBackend;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.nn.Module;
import org.recformer.nn.Parameter;
import org.recformer.tensor.Backend;
import org.recformer.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Models built by {@link ModelFactory} live on its backend, and checkpoints load onto any backend and save the same bytes. */
class ModelFactoryTest {

    /** The CPU backend, a second CPU backend object (a backend other than the one that saved), and CUDA where a GPU is present. */
    static Stream<Arguments> backends() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("cpu", Backends.cpu()));
        out.add(Arguments.of("another cpu backend", new CpuBackend()));
        if (CudaBackend.isAvailable()) out.add(Arguments.of("cuda", Devices.select("cuda")));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void finetuningCheckpointLoadsOntoTheBackendAndSavesTheSameBytes(String name, Backend backend, @TempDir Path tmp) throws Exception {
        RecformerConfig config = CheckpointTest.tinyConfig(5);
        RecformerForSeqRec saved = new ModelFactory(Backends.cpu()).freshSeqRec(config, 7);
        Checkpoint.save(tmp.resolve("a"), config, saved, Tokenizer.bundled(), null, null, null);

        ModelFactory.LoadedSeqRec loaded = new ModelFactory(backend).seqRecFromFolder(tmp.resolve("a"), 5, null);
        assertOn(backend, loaded.model());
        Checkpoint.save(tmp.resolve("b"), loaded.config(), loaded.model(), Tokenizer.bundled(), null, null, null);
        assertSameFiles(tmp.resolve("a"), tmp.resolve("b"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void pretrainingCheckpointLoadsOntoTheBackendAndSavesTheSameBytes(String name, Backend backend, @TempDir Path tmp) throws Exception {
        RecformerConfig config = CheckpointTest.tinyConfig(0);
        RecformerForPretraining saved = new ModelFactory(Backends.cpu()).freshPretraining(config, 3);
        Checkpoint.save(tmp.resolve("a"), config, saved, Tokenizer.bundled(), null, null, null);

        RecformerForPretraining loaded = new ModelFactory(backend).resumedPretraining(tmp.resolve("a"), 3);
        assertOn(backend, loaded);
        Checkpoint.save(tmp.resolve("b"), loaded.config(), loaded, Tokenizer.bundled(), null, null, null);
        assertSameFiles(tmp.resolve("a"), tmp.resolve("b"));
    }

    private static void assertOn(Backend backend, Module model) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            assertSame(backend, e.getValue().tensor().backend(), e.getKey());
        }
    }

    private static void assertSameFiles(Path a, Path b) throws Exception {
        for (String file : new String[] {Checkpoint.MODEL_FILE, Checkpoint.CONFIG_FILE}) {
            assertArrayEquals(Files.readAllBytes(a.resolve(file)), Files.readAllBytes(b.resolve(file)), file);
        }
    }
}
