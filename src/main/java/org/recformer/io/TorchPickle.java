package org.recformer.io;

import org.recformer.io.pickle.PickleCallable;
import org.recformer.io.pickle.PickleGlobals;
import org.recformer.io.pickle.PickleTuple;
import org.recformer.io.pickle.Unpickler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@code torch.save} state dict pickle may contain beyond plain data: the allow-list of
 * globals (OrderedDict, the tensor and parameter rebuild functions, typed storage classes) and
 * the values they build: {@link Storage} references (persistent ids into the zip archive) and
 * {@link View}s of them.
 */
final class TorchPickle implements PickleGlobals {
    /** A typed storage class such as {@code torch.FloatStorage}. */
    record StorageType(String name, DType dtype) {
    }

    /** A class a tensor may be rebuilt as ({@code torch.Tensor}, {@code torch.nn.Parameter}). */
    record TensorClass(String name) {
    }

    /** A storage: zip entry {@code <stem>/data/<key>} holding {@code numel} elements of {@code dtype}. */
    record Storage(String key, DType dtype, long numel) {
    }

    /** A tensor: {@code size} elements of a storage, from {@code offset}, with element {@code stride}s. */
    record View(Storage storage, long offset, long[] size, long[] stride) {
    }

    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private final Map<String, Object> globals = new LinkedHashMap<>();
    private final Map<String, Storage> storages = new LinkedHashMap<>();
    private final String source;

    TorchPickle(String source) {
        this.source = source;
        globals.put("collections.OrderedDict", (PickleCallable) this::orderedDict);
        globals.put("torch._utils._rebuild_tensor_v2", (PickleCallable) this::rebuildTensor);
        globals.put("torch._utils._rebuild_parameter", (PickleCallable) this::rebuildParameter);
        globals.put("torch._utils._rebuild_parameter_with_state", (PickleCallable) this::rebuildParameter);
        globals.put("torch._tensor._rebuild_from_type_v2", (PickleCallable) this::rebuildFromType);
        globals.put("torch.Tensor", new TensorClass("torch.Tensor"));
        globals.put("torch.nn.parameter.Parameter", new TensorClass("torch.nn.parameter.Parameter"));
        STORAGE_TYPES.forEach((name, dtype) -> globals.put("torch." + name, new StorageType("torch." + name, dtype)));
    }

    @Override
    public Object resolve(String module, String name) {
        return globals.get(module + "." + name);
    }

    /** The storages met so far, by key: two tensors naming one key share it. */
    Map<String, Storage> storages() {
        return storages;
    }

    /** Persistent id {@code ('storage', storage_type, key, location, numel)}. */
    Object persistentLoad(Object pid, String where) throws CheckpointFormatException {
        if (!(pid instanceof PickleTuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw error(where, "persistent id is not ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof StorageType type)) throw error(where, "persistent id names a " + Unpickler.describe(t.get(1)) + ", not a storage type");
        if (!(t.get(2) instanceof String key)) throw error(where, "storage key is a " + Unpickler.describe(t.get(2)) + ", not a str");
        if (!(t.get(4) instanceof Long numel) || numel < 0) throw error(where, "storage '" + key + "' has no valid element count");
        Storage storage = new Storage(key, type.dtype(), numel);
        Storage earlier = storages.putIfAbsent(key, storage);
        if (earlier != null && !earlier.equals(storage)) {
            throw error(where, "storage '" + key + "' is referenced as " + earlier.dtype() + "[" + earlier.numel() + "] and as "
                    + storage.dtype() + "[" + storage.numel() + "]");
        }
        return earlier != null ? earlier : storage;
    }

    private Object orderedDict(PickleTuple args, String where) throws CheckpointFormatException {
        if (args.size() != 0) throw error(where, "OrderedDict called with arguments");
        return new LinkedHashMap<Object, Object>();
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private Object rebuildTensor(PickleTuple args, String where) throws CheckpointFormatException {
        if (args.size() != 6 && args.size() != 7) throw error(where, "_rebuild_tensor_v2 takes 6 or 7 arguments, got " + args.size());
        if (!(args.get(0) instanceof Storage storage)) throw error(where, "_rebuild_tensor_v2 on a " + Unpickler.describe(args.get(0)) + ", not a storage");
        if (!(args.get(1) instanceof Long offset) || offset < 0) throw error(where, "tensor storage offset is not a non-negative int");
        long[] size = nonNegativeInts(args.get(2), "size", where);
        long[] stride = nonNegativeInts(args.get(3), "stride", where);
        if (size.length != stride.length) {
            throw error(where, "tensor has " + size.length + " sizes but " + stride.length + " strides");
        }
        return new View(storage, offset, size, stride);
    }

    /** {@code _rebuild_parameter(data, requires_grad, backward_hooks[, state])}: the parameter's tensor. */
    private Object rebuildParameter(PickleTuple args, String where) throws CheckpointFormatException {
        if (args.size() < 3 || !(args.get(0) instanceof View view)) throw error(where, "_rebuild_parameter needs a tensor and 2 or 3 more arguments");
        return view;
    }

    /** {@code _rebuild_from_type_v2(func, new_type, args, state)}: a tensor saved with its Python class. */
    private Object rebuildFromType(PickleTuple args, String where) throws CheckpointFormatException {
        if (args.size() != 4) throw error(where, "_rebuild_from_type_v2 takes 4 arguments, got " + args.size());
        if (!(args.get(0) instanceof PickleCallable func)) throw error(where, "_rebuild_from_type_v2 needs a rebuild function");
        if (!(args.get(1) instanceof TensorClass)) throw error(where, "_rebuild_from_type_v2 of a " + Unpickler.describe(args.get(1)) + ", not a tensor class");
        if (!(args.get(2) instanceof PickleTuple inner)) throw error(where, "_rebuild_from_type_v2 arguments are not a tuple");
        Object out = func.call(inner, where);
        if (!(out instanceof View)) throw error(where, "_rebuild_from_type_v2 did not build a tensor");
        return out;
    }

    private long[] nonNegativeInts(Object o, String what, String where) throws CheckpointFormatException {
        if (!(o instanceof PickleTuple t)) throw error(where, "tensor " + what + " is a " + Unpickler.describe(o) + ", not a tuple");
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v) || v < 0) throw error(where, "tensor " + what + " holds a value that is not a non-negative int");
            out[i] = v;
        }
        return out;
    }

    private CheckpointFormatException error(String where, String message) {
        return new CheckpointFormatException(source, message + " (pickle " + where + ")");
    }
}
