package org.recformer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchCheckpointTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"dev-tiny", "dev-small"})
    void parityCheckpointEqualsItsSafetensorsTwinTensorForTensor(String config) throws IOException {
        Path dir = IoFixtures.PARITY.resolve(config);
        StateDict bin = TorchCheckpoint.read(dir.resolve("pytorch_model.bin"));
        StateDict safe = SafeTensors.read(dir.resolve("model.safetensors"));
        assertEquals(List.copyOf(safe.names()), List.copyOf(bin.names()));
        for (String name : safe.names()) {
            assertTrue(safe.get(name).sameAs(bin.get(name)), name + ": " + safe.get(name) + " vs " + bin.get(name));
        }
        assertEquals(DType.I64, bin.get("longformer.embeddings.position_ids").dtype());
    }

    @Test
    void sharedStorageGivesBothTensorsTheSameValues() throws IOException {
        StateDict bin = TorchCheckpoint.read(IoFixtures.PARITY.resolve("dev-tiny/pytorch_model.bin"));
        assertArrayEquals(bin.get("lm_head.bias").toFloatArray(), bin.get("lm_head.decoder.bias").toFloatArray());
        assertArrayEquals(new long[] {800}, bin.get("lm_head.bias").shape());
    }

    @Test
    void viewsOffsetsStridesSharedStoragesAndEveryDtypeMatchNumpy() throws IOException {
        StateDict sd = TorchCheckpoint.read(IoFixtures.IO.resolve("torch_views.pt"));
        IoFixtures.assertMatchesExpected(sd, IoFixtures.IO.resolve("torch_views.expected.json"));
        assertEquals(DType.F16, sd.get("half").dtype());
        assertEquals(DType.BF16, sd.get("bfloat16").dtype());
        assertEquals(DType.F64, sd.get("double").dtype());
        assertEquals(DType.BOOL, sd.get("bool").dtype());
        assertArrayEquals(new long[] {0, 1, -2, 1L << 40, 5, -7}, sd.get("long").toLongArray(), "int64 beyond float precision");
        assertArrayEquals(new long[] {3, 5, -4, 100000}, sd.get("int").toLongArray(), "column-major int view");
        assertArrayEquals(new long[0], sd.get("scalar").shape());
    }

    @Test
    void lightningCheckpointYieldsItsStateDict() throws IOException {
        StateDict sd = TorchCheckpoint.read(IoFixtures.IO.resolve("lightning.ckpt"));
        assertEquals(List.of("_forward_module.model.longformer.dense.weight", "_forward_module.model.longformer.dense.bias"),
                List.copyOf(sd.names()));
        IoFixtures.assertMatchesExpected(sd, IoFixtures.IO.resolve("lightning.expected.json"));
    }

    @Test
    void readsAPickleOfTensorsWrittenByHand() throws IOException {
        byte[] pkl = PickleBytes.proto2().orderedDict().mark()
                .str("w").tensor("0", 4, 1, 3)
                .str("v").tensor("0", 4, 0, 2)
                .op('u').stop().bytes();
        Path f = torchZip("hand.pt", pkl, Map.of("0", floats(1, 2, 3, 4)));
        StateDict sd = TorchCheckpoint.read(f);
        assertArrayEquals(new float[] {2, 3, 4}, sd.get("w").toFloatArray());
        assertArrayEquals(new float[] {1, 2}, sd.get("v").toFloatArray());
    }

    // ---------------------------------------------------------------- bad input

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    private Path torchZip(String name, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
        entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return IoFixtures.write(tmp, name, IoFixtures.zip(entries));
    }

    /** torch_views.pt with one entry replaced (null value: removed). */
    private Path viewsWith(String entry, byte[] content) throws IOException {
        Map<String, byte[]> entries = IoFixtures.unzip(IoFixtures.IO.resolve("torch_views.pt"));
        if (content == null) entries.remove(entry); else entries.put(entry, content);
        return IoFixtures.write(tmp, "changed.pt", IoFixtures.zip(entries));
    }

    private static CheckpointFormatException fails(Path file, String... fragments) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        return e;
    }

    @Test
    void aPickleBombIsRefusedAtOnceInsteadOfBuildingMillionsOfValues() throws IOException {
        // 64 MiB of EMPTY_LIST (a few hundred KB zipped) would build 64 million lists
        byte[] bomb = new byte[64 << 20];
        java.util.Arrays.fill(bomb, (byte) ']');
        bomb[0] = (byte) 0x80;
        bomb[1] = 2;
        long start = System.nanoTime();
        fails(torchZip("bomb.pt", bomb, Map.of("0", floats(1, 2))), "opcodes, far more than the tensors of this file need");
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "refused without running the pickle");
    }

    @Test
    void refusesOsSystem() throws IOException {
        byte[] pkl = PickleBytes.proto2().global("os", "system").str("echo pwned").op(0x85).reduce().stop().bytes();
        fails(torchZip("evil.pt", pkl, Map.of()), "refusing global 'os.system'", "never run code");
    }

    @Test
    void refusesBuiltinsEvalByGlobalAndByStackGlobal() throws IOException {
        byte[] viaGlobal = PickleBytes.proto2().global("builtins", "eval").str("1+1").op(0x85).reduce().stop().bytes();
        fails(torchZip("eval1.pt", viaGlobal, Map.of()), "refusing global 'builtins.eval'");
        byte[] viaStack = new PickleBytes().op(0x80, 4).str("builtins").str("eval").op(0x93).str("1+1").op(0x85).reduce().stop().bytes();
        fails(torchZip("eval2.pt", viaStack, Map.of()), "refusing global 'builtins.eval'");
    }

    @Test
    void refusesAForbiddenGlobalInALightningEntry() throws IOException {
        byte[] pkl = PickleBytes.proto2().op('}').mark()
                .str("state_dict").orderedDict()
                .str("hyper_parameters").global("argparse", "Namespace").op(')').reduce()
                .op('u').stop().bytes();
        fails(torchZip("hparams.ckpt", pkl, Map.of()), "refusing global 'argparse.Namespace'");
    }

    @Test
    void refusesAMissingStorageEntryNamingTheTensor() throws IOException {
        fails(viewsWith("archive/data/3", null), "tensor 'double'", "missing zip entry 'archive/data/3'");
    }

    @Test
    void refusesAMissingDataPkl() throws IOException {
        fails(viewsWith("archive/data.pkl", null), "no '<name>/data.pkl' entry");
    }

    @Test
    void refusesAStorageShorterThanItsElementCount() throws IOException {
        byte[] storage = IoFixtures.unzip(IoFixtures.IO.resolve("torch_views.pt")).get("archive/data/0");
        fails(viewsWith("archive/data/0", Arrays.copyOf(storage, storage.length - 4)),
                "tensor 'matrix'", "holds 92 bytes but storage '0' is 24 x F32 = 96 bytes");
    }

    @Test
    void refusesAViewThatRunsPastItsStorage() throws IOException {
        byte[] pkl = PickleBytes.proto2().orderedDict().str("w").tensor("0", 4, 2, 3).op('s').stop().bytes();
        fails(torchZip("past.pt", pkl, Map.of("0", floats(1, 2, 3, 4))), "tensor 'w'", "reaches element 4 of storage '0', which has 4 elements");
    }

    @Test
    void refusesABroadcastViewTooLargeForMemory() throws IOException {
        // size (2^30,) with stride 0 over a single float: in bounds, but 4 GiB once materialized
        byte[] pkl = PickleBytes.proto2().orderedDict().str("w")
                .global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").int1(1).tuple().op('Q')
                .int1(0).op('J', 0, 0, 0, 0x40).op(0x85).int1(0).op(0x85).op(0x89).orderedDict().tuple().reduce()
                .op('s').stop().bytes();
        fails(torchZip("huge.pt", pkl, Map.of("0", floats(1))), "tensor 'w'", "view of size [1073741824], stride [0]", "exceeds the limit");
    }

    @Test
    void refusesAnUnknownOpcode() throws IOException {
        byte[] pkl = PickleBytes.proto2().orderedDict().op(0xff).stop().bytes();
        fails(torchZip("opcode.pt", pkl, Map.of()), "unsupported pickle opcode 0xff", "pickle byte 29");
    }

    @Test
    void refusesAPickleWithoutStop() throws IOException {
        byte[] pkl = IoFixtures.unzip(IoFixtures.IO.resolve("torch_views.pt")).get("archive/data.pkl");
        fails(viewsWith("archive/data.pkl", Arrays.copyOf(pkl, pkl.length - 1)), "without STOP");
        fails(viewsWith("archive/data.pkl", Arrays.copyOf(pkl, pkl.length / 2)));
    }

    @Test
    void refusesATruncatedZip() throws IOException {
        byte[] bytes = Files.readAllBytes(IoFixtures.IO.resolve("torch_views.pt"));
        fails(IoFixtures.write(tmp, "cut.pt", Arrays.copyOf(bytes, bytes.length - 40)), "corrupt zip archive");
    }

    @Test
    void refusesTheLegacyFormatAndOtherFiles() throws IOException {
        fails(IoFixtures.write(tmp, "legacy.pt", new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10}), "legacy (pre-1.6)");
        fails(IoFixtures.write(tmp, "text.pt", "hello".getBytes(StandardCharsets.US_ASCII)), "no zip signature");
    }

    @Test
    void refusesBigEndianCheckpoints() throws IOException {
        fails(viewsWith("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII)), "byte order 'big'");
    }

    @Test
    void refusesNonTensorStateDictEntriesAndNonDictRoots() throws IOException {
        byte[] withInt = PickleBytes.proto2().orderedDict().str("step").int1(3).op('s').stop().bytes();
        fails(torchZip("int.pt", withInt, Map.of()), "entry 'step' is an int, not a tensor");
        byte[] list = PickleBytes.proto2().op(']').stop().bytes();
        fails(torchZip("list.pt", list, Map.of()), "holds a list, not a state dict");
    }

    @Test
    void refusesOneStorageKeyUsedWithTwoTypes() throws IOException {
        byte[] pkl = PickleBytes.proto2().orderedDict().mark()
                .str("w").tensor("0", 4, 0, 4)
                .str("v").tensor("0", 2, 0, 2)
                .op('u').stop().bytes();
        fails(torchZip("twotypes.pt", pkl, Map.of("0", floats(1, 2, 3, 4))), "storage '0' is referenced as F32[4] and as F32[2]");
    }
}
