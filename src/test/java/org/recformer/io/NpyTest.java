package org.recformer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    @TempDir
    Path tmp;

    /** numpy's own files, re-written by our writer, come out byte for byte the same. */
    @ParameterizedTest
    @ValueSource(strings = {"pooler_output.npy", "last_hidden_state.npy", "hidden_states.npy", "pretrain_loss.npy", "seqrec_scores.npy"})
    void rewritingANumpyFileReproducesItExactly(String name) throws IOException {
        Path original = IoFixtures.PARITY.resolve("dev-tiny").resolve(name);
        HostTensor t = Npy.read(original);
        assertEquals(DType.F32, t.dtype());
        Path copy = tmp.resolve(name);
        Npy.write(copy, t);
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy));
    }

    @Test
    void readsShapesOfTheParityOutputs() throws IOException {
        assertArrayEquals(new long[] {3, 48}, Npy.read(IoFixtures.PARITY.resolve("dev-tiny/pooler_output.npy")).shape());
        assertArrayEquals(new long[] {1}, Npy.read(IoFixtures.PARITY.resolve("dev-tiny/pretrain_loss.npy")).shape());
    }

    @Test
    void writesAZeroDimFloatAndAnInt64ArrayAsNumpyDoes() throws IOException {
        HostTensor scalar = HostTensor.ofFloats(new float[] {-1.5f});
        Npy.write(tmp.resolve("s.npy"), scalar);
        assertArrayEquals(Files.readAllBytes(IoFixtures.IO.resolve("scalar_f32.npy")), Files.readAllBytes(tmp.resolve("s.npy")));
        HostTensor ids = HostTensor.ofLongs(new long[] {0, 1, -2, 1L << 40, 5, -(1L << 62)}, 2, 3);
        Npy.write(tmp.resolve("i.npy"), ids);
        assertArrayEquals(Files.readAllBytes(IoFixtures.IO.resolve("ids_i64.npy")), Files.readAllBytes(tmp.resolve("i.npy")));
        assertTrue(ids.sameAs(Npy.read(IoFixtures.IO.resolve("ids_i64.npy"))));
    }

    @Test
    void writesAndReadsInt64() throws IOException {
        HostTensor t = HostTensor.ofLongs(new long[] {1, -2, Long.MIN_VALUE, 4, 5, 6}, 3, 2);
        Path f = tmp.resolve("ids.npy");
        Npy.write(f, t);
        HostTensor back = Npy.read(f);
        assertTrue(t.sameAs(back));
        String header = new String(Files.readAllBytes(f), 10, 60, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<i8', 'fortran_order': False, 'shape': (3, 2), }"), header);
        assertEquals(0, Files.size(f) - 48 & 63, "header padded to 64 bytes");
    }

    /** A .npy file with this header dict and data. */
    private Path npy(int major, String dict, byte[] data) throws IOException {
        byte[] h = dict.getBytes(StandardCharsets.ISO_8859_1);
        int pre = major == 1 ? 10 : 12;
        byte[] out = new byte[pre + h.length + data.length];
        System.arraycopy(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0}, 0, out, 0, 8);
        out[8] = (byte) h.length;
        out[9] = (byte) (h.length >>> 8);
        System.arraycopy(h, 0, out, pre, h.length);
        System.arraycopy(data, 0, out, pre + h.length, data.length);
        return IoFixtures.write(tmp, "x.npy", out);
    }

    @Test
    void readsVersion2AndFloat64AndInt32AndBool() throws IOException {
        byte[] one = {0, 0, 0, 0, 0, 0, (byte) 0xf0, 0x3f}; // 1.0 as <f8
        assertArrayEquals(new float[] {1f}, Npy.read(npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", one)).toFloatArray());
        HostTensor ints = Npy.read(npy(1, "{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}", new byte[] {5, 0, 0, 0, -1, -1, -1, -1}));
        assertArrayEquals(new long[] {5, -1}, ints.toLongArray());
        assertArrayEquals(new long[] {1, 0}, Npy.read(npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,)}", new byte[] {1, 0})).toLongArray());
    }

    private void fails(Path f, String fragment) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void refusesBadFiles() throws IOException {
        fails(IoFixtures.write(tmp, "n.npy", "not numpy at all".getBytes(StandardCharsets.US_ASCII)), "missing the \\x93NUMPY magic");
        fails(npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]), "unsupported dtype '>f4'");
        fails(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", new byte[4]), "Fortran-order");
        fails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new byte[20]), "needs 24 data bytes but the file holds 20");
        fails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new byte[4]), "expected a dimension");
        fails(npy(1, "{'descr': '<f4', 'shape': (1,), }", new byte[4]), "lacks descr, fortran_order or shape");
        fails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", new byte[4]), "more than 2^63");
        fails(npy(7, "{}", new byte[0]), "unsupported .npy version 7");
        byte[] real = Files.readAllBytes(IoFixtures.PARITY.resolve("dev-tiny/pooler_output.npy"));
        fails(IoFixtures.write(tmp, "cut.npy", Arrays.copyOf(real, 60)), "runs past the end");
    }
}
