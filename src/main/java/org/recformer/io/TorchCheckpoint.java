package org.recformer.io;

import org.recformer.io.pickle.Unpickler;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch {@code torch.save} checkpoints in the zip format (PyTorch 1.6 and later, e.g.
 * {@code pytorch_model.bin}): entries {@code <stem>/data.pkl} (the pickled state dict),
 * {@code <stem>/data/<key>} (raw little-endian storages) and {@code <stem>/version}. The pickle is
 * run by {@link Unpickler} with {@link TorchPickle}'s allow-list, so no code runs. Shared storages,
 * storage offsets and strided views are materialized as contiguous tensors. A PyTorch Lightning
 * checkpoint ({@code {"state_dict": {...}, "epoch": ...}}) or a DeepSpeed one ({@code {"module": {...}}})
 * yields its inner state dict. Everything (entries, sizes, view bounds) is validated before any
 * tensor data is read.
 */
public final class TorchCheckpoint {
    private static final long MAX_PICKLE_BYTES = 1L << 30;
    /**
     * The pickle's opcode budget per tensor storage in the archive (plus 16 storages' worth): a
     * HuggingFace state dict runs about 40 per storage, metadata included; a pickle bomb that would
     * build millions of values from a small file is refused at once.
     */
    private static final long OPCODES_PER_STORAGE = 1024;

    private TorchCheckpoint() {
    }

    /** Reads the state dict of a zip-format {@code torch.save} file. */
    public static StateDict read(Path file) throws IOException {
        String source = file.toString();
        checkMagic(file, source);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String stem = findStem(zip, source);
            checkByteOrder(zip, stem, source);
            TorchPickle torch = new TorchPickle(source);
            byte[] pickle = readEntry(zip, stem + "data.pkl", -1, MAX_PICKLE_BYTES, source);
            long storages = zip.stream().filter(e -> e.getName().startsWith(stem + "data/")).count();
            long maxOpcodes = OPCODES_PER_STORAGE * (storages + 16);
            Object root = new Unpickler(pickle, source + " [" + stem + "data.pkl]", torch, torch::persistentLoad, maxOpcodes).load();
            Map<String, TorchPickle.View> views = stateDictOf(root, source);
            for (Map.Entry<String, TorchPickle.View> e : views.entrySet()) validate(zip, stem, e.getKey(), e.getValue(), source);
            Map<String, Integer> usesLeft = new HashMap<>(); // storage key -> views still to materialize
            for (TorchPickle.View v : views.values()) usesLeft.merge(v.storage().key(), 1, Integer::sum);
            Map<String, byte[]> storageBytes = new HashMap<>(); // read once, dropped after the last view
            StateDict out = new StateDict(source);
            for (Map.Entry<String, TorchPickle.View> e : views.entrySet()) {
                TorchPickle.Storage s = e.getValue().storage();
                byte[] bytes = storageBytes.get(s.key());
                if (bytes == null) {
                    bytes = readEntry(zip, stem + "data/" + s.key(), s.numel() * s.dtype().byteSize(), HostTensor.MAX_BYTES, source);
                    storageBytes.put(s.key(), bytes);
                }
                if (usesLeft.merge(s.key(), -1, Integer::sum) == 0) storageBytes.remove(s.key());
                out.put(e.getKey(), materialize(e.getValue(), bytes));
            }
            return out;
        } catch (ZipException | EOFException e) {
            throw new CheckpointFormatException(source, "corrupt zip archive: " + e, e);
        }
    }

    private static void checkMagic(Path file, String source) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        }
        if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return;
        if (n >= 1 && (head[0] & 0xff) == 0x80) {
            throw new CheckpointFormatException(source, "legacy (pre-1.6) torch.save format is not supported: re-save it with a recent torch.save");
        }
        throw new CheckpointFormatException(source, "not a PyTorch zip checkpoint (no zip signature)");
    }

    /** The archive's folder prefix ({@code "pytorch_model/"}, {@code "archive/"}): where data.pkl is. */
    private static String findStem(ZipFile zip, String source) throws CheckpointFormatException {
        List<String> stems = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> it = zip.entries(); it.hasMoreElements(); ) {
            String name = it.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) stems.add(name.substring(0, slash + 1));
        }
        if (stems.size() != 1) {
            throw new CheckpointFormatException(source, stems.isEmpty()
                    ? "no '<name>/data.pkl' entry: not a torch.save zip checkpoint"
                    : "several data.pkl entries " + stems + ": not a single torch.save checkpoint");
        }
        return stems.get(0);
    }

    private static void checkByteOrder(ZipFile zip, String stem, String source) throws IOException {
        if (zip.getEntry(stem + "byteorder") == null) return;
        String order = new String(readEntry(zip, stem + "byteorder", -1, 64, source), StandardCharsets.US_ASCII).strip();
        if (!order.equals("little")) {
            throw new CheckpointFormatException(source, "byte order '" + order + "' is not supported (only little-endian)");
        }
    }

    /** The tensors of the state dict: the root dict, or its "state_dict" / "module" entry. */
    private static Map<String, TorchPickle.View> stateDictOf(Object root, String source) throws CheckpointFormatException {
        if (!(root instanceof Map<?, ?> top)) {
            throw new CheckpointFormatException(source, "the pickle holds " + Unpickler.describe(root) + ", not a state dict");
        }
        Map<?, ?> dict = top;
        for (String wrapper : List.of("state_dict", "module")) {
            if (top.get(wrapper) instanceof Map<?, ?> inner) {
                dict = inner;
                break;
            }
        }
        Map<String, TorchPickle.View> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new CheckpointFormatException(source, "state dict key is " + Unpickler.describe(e.getKey()) + ", not a str");
            }
            if (!(e.getValue() instanceof TorchPickle.View view)) {
                throw new CheckpointFormatException(source, "state dict entry '" + name + "' is " + Unpickler.describe(e.getValue()) + ", not a tensor");
            }
            out.put(name, view);
        }
        return out;
    }

    /** The storage's entry exists with the right size and the view stays inside the storage. */
    private static void validate(ZipFile zip, String stem, String name, TorchPickle.View v, String source)
            throws CheckpointFormatException {
        TorchPickle.Storage s = v.storage();
        String where = "tensor '" + name + "': ";
        String entryName = stem + "data/" + s.key();
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) throw new CheckpointFormatException(source, where + "missing zip entry '" + entryName + "'");
        long expected = s.numel() > HostTensor.MAX_BYTES ? -1 : s.numel() * s.dtype().byteSize();
        if (expected < 0 || expected > HostTensor.MAX_BYTES) {
            throw new CheckpointFormatException(source, where + "storage '" + s.key() + "' of " + s.numel() + " elements exceeds the limit of " + HostTensor.MAX_BYTES + " bytes");
        }
        if (entry.getSize() != expected) {
            throw new CheckpointFormatException(source, where + "zip entry '" + entryName + "' holds " + entry.getSize()
                    + " bytes but storage '" + s.key() + "' is " + s.numel() + " x " + s.dtype() + " = " + expected + " bytes");
        }
        long numel = HostTensor.numelOf(v.size());
        String shape = "view of size " + Arrays.toString(v.size()) + ", stride " + Arrays.toString(v.stride()) + ", offset " + v.offset();
        if (numel < 0 || numel > HostTensor.MAX_BYTES / s.dtype().byteSize()) {
            throw new CheckpointFormatException(source, where + shape + " exceeds the limit of " + HostTensor.MAX_BYTES + " bytes per tensor");
        }
        if (numel == 0) return;
        long last = v.offset();
        try {
            for (int d = 0; d < v.size().length; d++) last = Math.addExact(last, Math.multiplyExact(v.size()[d] - 1, v.stride()[d]));
        } catch (ArithmeticException e) {
            last = Long.MAX_VALUE;
        }
        if (last >= s.numel()) {
            throw new CheckpointFormatException(source, where + shape + " reaches element " + last + " of storage '" + s.key()
                    + "', which has " + s.numel() + " elements");
        }
    }

    /**
     * The view's elements in row-major order, from the storage's bytes; a view of the whole
     * storage shares its array (tensors are immutable, so tensors sharing a storage may share it).
     */
    private static HostTensor materialize(TorchPickle.View v, byte[] storage) {
        int itemSize = v.storage().dtype().byteSize();
        long[] size = v.size();
        int numel = (int) HostTensor.numelOf(size);
        boolean contiguous = isContiguous(size, v.stride());
        if (contiguous && v.offset() == 0 && numel == v.storage().numel()) return new HostTensor(v.storage().dtype(), size, storage);
        byte[] out = new byte[numel * itemSize];
        if (contiguous) {
            System.arraycopy(storage, (int) (v.offset() * itemSize), out, 0, out.length);
        } else {
            int[] index = new int[size.length];
            for (int i = 0; i < numel; i++) {
                long element = v.offset();
                for (int d = 0; d < size.length; d++) element += index[d] * v.stride()[d];
                System.arraycopy(storage, (int) (element * itemSize), out, i * itemSize, itemSize);
                for (int d = size.length - 1; d >= 0 && ++index[d] == size[d]; d--) index[d] = 0;
            }
        }
        return new HostTensor(v.storage().dtype(), size, out);
    }

    /** Row-major strides (dims of size 1 may have any stride). */
    private static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) return false;
            expected *= size[d];
        }
        return true;
    }

    /** An entry's bytes: exactly {@code expected} of them when that is not -1, at most {@code max}. */
    private static byte[] readEntry(ZipFile zip, String name, long expected, long max, String source) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) throw new CheckpointFormatException(source, "missing zip entry '" + name + "'");
        long declared = entry.getSize();
        if (declared < 0 || declared > max || (expected >= 0 && declared != expected)) {
            throw new CheckpointFormatException(source, "zip entry '" + name + "' declares " + declared + " bytes, expected "
                    + (expected >= 0 ? String.valueOf(expected) : "0 to " + max));
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) declared);
            if (bytes.length != declared || in.read() != -1) {
                throw new CheckpointFormatException(source, "zip entry '" + name + "' does not hold the " + declared + " bytes it declares");
            }
            return bytes;
        } catch (ZipException | EOFException e) {
            throw new CheckpointFormatException(source, "zip entry '" + name + "' is corrupt: " + e.getMessage(), e);
        }
    }
}
