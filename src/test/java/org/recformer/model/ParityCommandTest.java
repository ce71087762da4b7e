package org.recformer.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.cli.Main;
import org.recformer.io.HostTensor;
import org.recformer.io.Npy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code recformer parity} through the command line: exit codes, dump files, a tampered reference. */
class ParityCommandTest {
    private static final Path TINY = Path.of("test-fixtures/parity/dev-tiny");

    @Test
    void passesAndDumpsEveryOutput(@TempDir Path out) throws IOException {
        int code = Main.commandLine().execute("parity", "--fixtures", TINY.toString(),
                "--weights", TINY.resolve("pytorch_model.bin").toString(), "--dump", out.toString());
        assertEquals(0, code);
        try (Stream<Path> refs = Files.list(TINY)) {
            for (Path ref : (Iterable<Path>) refs.filter(p -> p.toString().endsWith(".npy"))::iterator) {
                HostTensor dumped = Npy.read(out.resolve(ref.getFileName()));
                assertArrayEquals(Npy.read(ref).shape(), dumped.shape(), ref.getFileName().toString());
            }
        }
    }

    @Test
    void failsWhenAReferenceDiffersByMoreThanTheTolerance(@TempDir Path dir) throws IOException {
        try (Stream<Path> files = Files.list(TINY)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, dir.resolve(f.getFileName()));
        }
        HostTensor ref = Npy.read(dir.resolve("pooler_output.npy"));
        float[] v = ref.toFloatArray();
        v[5] += 5e-5f; // just over the 2e-5 tolerance
        Npy.write(dir.resolve("pooler_output.npy"), HostTensor.ofFloats(v, ref.shape()));
        assertEquals(1, Main.commandLine().execute("parity", "--fixtures", dir.toString()));
    }

    @Test
    void weightsOfAnotherConfigAreAnError() {
        int code = Main.commandLine().execute("parity", "--fixtures", TINY.toString(),
                "--weights", "test-fixtures/parity/dev-small/model.safetensors");
        assertEquals(2, code);
    }
}
