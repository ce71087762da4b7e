package org.recformer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutates valid checkpoints at random (fixed seeds) and requires every read to end in either a
 * clean load or a {@link CheckpointFormatException} naming the file: never another exception, an
 * out-of-memory error or a hang.
 */
class CheckpointFuzzTest {
    private static final int ITERATIONS = 1500;
    /** Opcodes a pickle mutation may write: the ones torch uses, some we refuse, and junk. */
    private static final int[] OPCODES = {'(', ')', '.', '0', '1', '2', 'N', 'J', 'K', 'M', 'X', 'q', 'r', 'h', 'j', 't',
            'R', 'b', 'Q', 'c', 's', 'u', 'a', 'e', ']', '}', 'l', 'd', 0x80, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c,
            0x93, 0x94, 0x95, 0x81, 'i', 'o', 'G', 'B', 'C', 0xff, 0x00};

    @TempDir
    Path tmp;

    /** Reads {@code bytes} as a file; a clean load or our exception naming the file are the only outcomes allowed. */
    private int[] tryRead(byte[] bytes, String what, int iteration, int[] outcomes) throws IOException {
        Path file = tmp.resolve("fuzz-" + iteration + ".bin");
        Files.write(file, bytes);
        try {
            StateDicts.read(file);
            outcomes[0]++;
        } catch (CheckpointFormatException e) {
            assertTrue(e.getMessage().startsWith(file.toString()), "message must name the file: " + e.getMessage());
            outcomes[1]++;
        } catch (Throwable t) {
            fail(what + " (iteration " + iteration + ") escaped as " + t, t);
        } finally {
            Files.delete(file);
        }
        return outcomes;
    }

    private static byte[] flipBits(byte[] in, Random r) {
        byte[] out = in.clone();
        for (int i = 0, n = 1 + r.nextInt(8); i < n; i++) out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
        return out;
    }

    private static byte[] overwrite(byte[] in, Random r) {
        byte[] out = in.clone();
        int[] interesting = {0x00, 0xff, 0x7f, 0x80, 0x01, '9', '-', '"', '{', ']'};
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) out[r.nextInt(out.length)] = (byte) interesting[r.nextInt(interesting.length)];
        return out;
    }

    private static byte[] truncate(byte[] in, Random r) {
        return Arrays.copyOf(in, in.length == 0 ? 0 : r.nextInt(in.length));
    }

    /** Replaces a number inside the safetensors JSON header (a shape or an offset) with another. */
    private static byte[] lieInHeader(byte[] in, Random r) {
        long n = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(in, 8, (int) n, StandardCharsets.UTF_8);
        List<int[]> numbers = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("\\d+").matcher(header);
        while (m.find()) numbers.add(new int[] {m.start(), m.end()});
        int[] span = numbers.get(r.nextInt(numbers.size()));
        long[] choices = {0, 1, in.length, in.length * 2L, Integer.MAX_VALUE, Long.MAX_VALUE, r.nextInt(1000), 1L << 40};
        String lie = header.substring(0, span[0]) + choices[r.nextInt(choices.length)] + header.substring(span[1]);
        byte[] h = lie.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + in.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(in, 8 + (int) n, in.length - 8 - (int) n);
        return out.array();
    }

    private static byte[] lieAboutHeaderLength(byte[] in, Random r) {
        byte[] out = in.clone();
        long n = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long[] choices = {n + 1, n - 1, in.length - 8, in.length - 7, -1, Long.MIN_VALUE, 1L << 32, r.nextLong()};
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, choices[r.nextInt(choices.length)]);
        return out;
    }

    private void fuzz(long seed, List<Function<Random, byte[]>> mutations, List<String> names) throws IOException {
        Random r = new Random(seed);
        int[] outcomes = new int[2];
        for (int i = 0; i < ITERATIONS; i++) {
            int k = r.nextInt(mutations.size());
            tryRead(mutations.get(k).apply(r), names.get(k), i, outcomes);
        }
        assertTrue(outcomes[1] > ITERATIONS / 4, "most mutations should be caught: " + Arrays.toString(outcomes));
    }

    @Test
    @Timeout(300)
    void mutatedSafetensorsLoadOrFailCleanly() throws IOException {
        for (Path base : List.of(IoFixtures.IO.resolve("f16_bf16.safetensors"), IoFixtures.PARITY.resolve("dev-tiny/model.safetensors"))) {
            byte[] valid = Files.readAllBytes(base);
            fuzz(20240601L, List.of(
                    r -> flipBits(valid, r), r -> overwrite(valid, r), r -> truncate(valid, r),
                    r -> lieInHeader(valid, r), r -> lieAboutHeaderLength(valid, r)),
                    List.of("bit flips", "byte overwrite", "truncation", "header number lie", "header length lie"));
        }
    }

    /** A torch zip rebuilt with its data.pkl mutated (the zip itself stays valid). */
    private static byte[] withPickle(Map<String, byte[]> entries, Function<byte[], byte[]> mutate) {
        Map<String, byte[]> copy = new LinkedHashMap<>(entries);
        String pkl = entries.keySet().stream().filter(n -> n.endsWith("/data.pkl")).findFirst().orElseThrow();
        copy.put(pkl, mutate.apply(entries.get(pkl)));
        try {
            return IoFixtures.zip(copy);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] replaceOpcodes(byte[] pkl, Random r) {
        byte[] out = pkl.clone();
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) out[r.nextInt(out.length)] = (byte) OPCODES[r.nextInt(OPCODES.length)];
        return out;
    }

    /** A torch zip with one entry removed or truncated. */
    private static byte[] damageEntry(Map<String, byte[]> entries, Random r) {
        Map<String, byte[]> copy = new LinkedHashMap<>(entries);
        List<String> names = new ArrayList<>(copy.keySet());
        String victim = names.get(r.nextInt(names.size()));
        if (r.nextBoolean()) copy.remove(victim); else copy.put(victim, truncate(copy.get(victim), r));
        try {
            return IoFixtures.zip(copy);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Timeout(300)
    void mutatedTorchCheckpointsLoadOrFailCleanly() throws IOException {
        for (Path base : List.of(IoFixtures.IO.resolve("torch_views.pt"), IoFixtures.IO.resolve("lightning.ckpt"))) {
            byte[] valid = Files.readAllBytes(base);
            Map<String, byte[]> entries = IoFixtures.unzip(base);
            fuzz(20240602L, List.of(
                    r -> flipBits(valid, r), r -> truncate(valid, r), r -> overwrite(valid, r),
                    r -> withPickle(entries, p -> flipBits(p, r)), r -> withPickle(entries, p -> replaceOpcodes(p, r)),
                    r -> withPickle(entries, p -> truncate(p, r)), r -> damageEntry(entries, r)),
                    List.of("zip bit flips", "zip truncation", "zip byte overwrite", "pickle bit flips",
                            "pickle opcode replacement", "pickle truncation", "entry removed or truncated"));
        }
    }

    @Test
    @Timeout(300)
    void mutatedPicklesOfTheParityCheckpointLoadOrFailCleanly() throws IOException {
        Map<String, byte[]> entries = IoFixtures.unzip(IoFixtures.PARITY.resolve("dev-tiny/pytorch_model.bin"));
        Random r = new Random(20240603L);
        int[] outcomes = new int[2];
        for (int i = 0; i < 60; i++) {
            boolean opcodes = i % 2 == 0;
            byte[] mutated = withPickle(entries, p -> opcodes ? replaceOpcodes(p, r) : flipBits(p, r));
            tryRead(mutated, "parity pickle mutation", i, outcomes);
        }
    }
}
