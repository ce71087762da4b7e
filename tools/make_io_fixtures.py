#!/usr/bin/env python3
"""Writes the small checkpoint fixtures of test-fixtures/io/ (run from the repository root).

No torch needed: the `torch.save` zip files are produced the way torch 1.13 / 2.x writes them
(pickle protocol 2 with persistent ids ('storage', torch.<T>Storage, key, 'cpu', numel), entries
<stem>/data.pkl, <stem>/data/<key>, <stem>/version), with stand-ins registered under torch's
module names so Python's own pickler emits the same GLOBAL opcodes. Expected values are computed
independently with numpy (as_strided over the storage) and written to <name>.expected.json.

  torch_views.pt      every storage dtype; a transposed (non-contiguous) view; a view with a storage
                      offset; two tensors sharing one storage; a 0-d and an empty tensor; a
                      Parameter (_rebuild_parameter) and a subclass-wrapped tensor
                      (_rebuild_from_type_v2); a 'byteorder' entry as torch 2.x writes.
  lightning.ckpt      a PyTorch Lightning checkpoint: epoch, optimizer state with tensors,
                      state_dict with '_forward_module.model.' prefixes.
  f16_bf16.safetensors  F16, BF16, F64, I32 and BOOL tensors in a hand-written safetensors file.
  scalar_f32.npy, ids_i64.npy  numpy's own files (a 0-d float32, a 2 x 3 int64) for the .npy writer.
"""
import collections
import io
import json
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

OUT = "test-fixtures/io/"

# ---------------------------------------------------------------- torch stand-ins


def _module(name):
    m = types.ModuleType(name)
    sys.modules[name] = m
    return m


torch = _module("torch")
torch_utils = _module("torch._utils")
torch_tensor = _module("torch._tensor")
torch_nn = _module("torch.nn")
torch_nn_parameter = _module("torch.nn.parameter")


def _export(module, obj, name):
    obj.__module__ = module.__name__
    obj.__qualname__ = name
    obj.__name__ = name
    setattr(module, name, obj)
    return obj


def _rebuild_tensor_v2(*args):
    raise AssertionError("stand-in, never called")


def _rebuild_parameter(*args):
    raise AssertionError("stand-in, never called")


def _rebuild_from_type_v2(*args):
    raise AssertionError("stand-in, never called")


_export(torch_utils, _rebuild_tensor_v2, "_rebuild_tensor_v2")
_export(torch_utils, _rebuild_parameter, "_rebuild_parameter")
_export(torch_tensor, _rebuild_from_type_v2, "_rebuild_from_type_v2")
TensorClass = _export(torch, type("Tensor", (), {}), "Tensor")
ParameterClass = _export(torch_nn_parameter, type("Parameter", (), {}), "Parameter")

NUMPY_OF_STORAGE = {
    "FloatStorage": np.float32, "HalfStorage": np.float16, "BFloat16Storage": "bf16",
    "DoubleStorage": np.float64, "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}
STORAGE_TYPES = {name: _export(torch, type(name, (), {}), name) for name in NUMPY_OF_STORAGE}


class Storage:
    """A typed storage: its key in the archive and its values (numpy, or float32 for bf16)."""

    def __init__(self, key, type_name, values):
        self.key, self.type_name, self.values = key, type_name, np.asarray(values)

    def raw_bytes(self):
        if NUMPY_OF_STORAGE[self.type_name] == "bf16":
            bits = self.values.astype(np.float32).view(np.uint32)
            assert np.all(bits & 0xFFFF == 0), "bf16 fixture values must be exact"
            return (bits >> 16).astype("<u2").tobytes()
        return self.values.astype(np.dtype(NUMPY_OF_STORAGE[self.type_name]).newbyteorder("<")).tobytes()


class Tensor:
    """A view of a storage, pickled as torch pickles a tensor (optionally as Parameter or subclass)."""

    def __init__(self, storage, offset, size, stride, kind="tensor"):
        self.storage, self.offset, self.size, self.stride, self.kind = storage, offset, tuple(size), tuple(stride), kind

    def __reduce_ex__(self, protocol):
        args = (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict())
        if self.kind == "parameter":
            inner = Tensor(self.storage, self.offset, self.size, self.stride)
            return (_rebuild_parameter, (inner, True, collections.OrderedDict()))
        if self.kind == "subclass":
            return (_rebuild_from_type_v2, (_rebuild_tensor_v2, TensorClass, args, {}))
        return (_rebuild_tensor_v2, args)

    def expected(self):
        values = self.storage.values
        itemsize = values.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(values[self.offset:], shape=self.size,
                                               strides=[s * itemsize for s in self.stride])
        return np.array(view)


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", STORAGE_TYPES[obj.type_name], obj.key, "cpu", len(obj.values))
        return None


def torch_save(path, obj, storages, stem, byteorder=False):
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(obj)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        def put(name, data):  # fixed timestamps, as torch writes them, so the files are reproducible
            z.writestr(zipfile.ZipInfo(stem + "/" + name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        put("data.pkl", buf.getvalue())
        if byteorder:
            put("byteorder", "little")
        for s in storages:
            put("data/" + s.key, s.raw_bytes())
        put("version", "3\n")


def write_expected(path, tensors):
    out = collections.OrderedDict()
    for name, t in tensors.items():
        e = t.expected()
        out[name] = {"shape": list(e.shape), "values": [float(v) for v in e.reshape(-1)]}
    with open(path, "w") as f:
        json.dump(out, f, indent=1)


# ---------------------------------------------------------------- fixtures


def torch_views():
    rng = np.random.default_rng(7)
    f32 = Storage("0", "FloatStorage", rng.standard_normal(24).astype(np.float32))
    f16 = Storage("1", "HalfStorage", rng.standard_normal(6).astype(np.float16))
    bf16 = Storage("2", "BFloat16Storage", np.array([1.0, -2.5, 3.140625, 0.0, -0.0078125, 65536.0], np.float32))
    f64 = Storage("3", "DoubleStorage", rng.standard_normal(4))
    i64 = Storage("4", "LongStorage", np.array([0, 1, -2, 2**40, 5, -7], np.int64))
    i32 = Storage("5", "IntStorage", np.array([3, -4, 5, 100000], np.int32))
    b = Storage("6", "BoolStorage", np.array([True, False, True], np.bool_))
    scalar = Storage("7", "FloatStorage", np.array([0.25], np.float32))
    empty = Storage("8", "FloatStorage", np.zeros(0, np.float32))
    tensors = collections.OrderedDict([
        ("matrix", Tensor(f32, 0, (4, 6), (6, 1))),                 # the whole storage
        ("matrix_t", Tensor(f32, 0, (6, 4), (1, 6))),               # its transpose (non-contiguous)
        ("row_slice", Tensor(f32, 8, (2, 3), (6, 2))),              # offset 8, every other column
        ("shared_a", Tensor(f32, 12, (12,), (1,))),                 # shares storage 0
        ("shared_b", Tensor(f32, 12, (12,), (1,))),                 # same view again
        ("broadcast", Tensor(f32, 3, (2, 3), (0, 1))),              # stride 0 (expand)
        ("half", Tensor(f16, 0, (2, 3), (3, 1))),
        ("bfloat16", Tensor(bf16, 0, (3, 2), (2, 1))),
        ("double", Tensor(f64, 1, (3,), (1,))),
        ("long", Tensor(i64, 0, (6,), (1,))),
        ("int", Tensor(i32, 0, (2, 2), (1, 2))),
        ("bool", Tensor(b, 0, (3,), (1,))),
        ("scalar", Tensor(scalar, 0, (), ())),
        ("empty", Tensor(empty, 0, (0, 5), (5, 1))),
        ("param", Tensor(f32, 0, (4,), (1,), kind="parameter")),
        ("subclass", Tensor(f32, 4, (2, 2), (2, 1), kind="subclass")),
    ])
    state_dict = collections.OrderedDict((k, v) for k, v in tensors.items())
    torch_save(OUT + "torch_views.pt", state_dict, [f32, f16, bf16, f64, i64, i32, b, scalar, empty], "archive", byteorder=True)
    write_expected(OUT + "torch_views.expected.json", tensors)


def lightning():
    rng = np.random.default_rng(11)
    w = Storage("0", "FloatStorage", rng.standard_normal(6).astype(np.float32))
    bias = Storage("1", "FloatStorage", rng.standard_normal(3).astype(np.float32))
    exp_avg = Storage("2", "FloatStorage", rng.standard_normal(6).astype(np.float32))
    tensors = collections.OrderedDict([
        ("_forward_module.model.longformer.dense.weight", Tensor(w, 0, (3, 2), (2, 1))),
        ("_forward_module.model.longformer.dense.bias", Tensor(bias, 0, (3,), (1,))),
    ])
    ckpt = {
        "epoch": 3,
        "global_step": 120,
        "pytorch-lightning_version": "1.9.0",
        "state_dict": collections.OrderedDict(tensors),
        "loops": {"fit_loop": {"epoch_progress": {"total": {"ready": 4, "completed": 3}}}},
        "callbacks": {},
        "optimizer_states": [{
            "state": {0: {"step": 120, "exp_avg": Tensor(exp_avg, 0, (3, 2), (2, 1))}},
            "param_groups": [{"lr": 5e-5, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
                              "amsgrad": False, "params": [0, 1]}],
        }],
        "lr_schedulers": [],
    }
    torch_save(OUT + "lightning.ckpt", ckpt, [w, bias, exp_avg], "lightning")
    write_expected(OUT + "lightning.expected.json", tensors)


def safetensors_dtypes():
    arrays = collections.OrderedDict([
        ("half", (np.array([[1.0, -0.5, 6.1e-05], [65504.0, -3.0, 5.96e-08]], np.float16), "F16")),
        ("bfloat16", (np.array([1.0, -2.5, 3.140625, 65536.0], np.float32), "BF16")),
        ("double", (np.array([0.1, -1e-3, 2.0]), "F64")),
        ("int", (np.array([[7, -8], [9, 2**31 - 1]], np.int32), "I32")),
        ("bool", (np.array([True, False], np.bool_), "BOOL")),
    ])
    header, data, expected = {}, b"", collections.OrderedDict()
    for name, (a, dtype) in arrays.items():
        raw = ((a.view(np.uint32) >> 16).astype("<u2").tobytes() if dtype == "BF16" else a.tobytes())
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
        expected[name] = {"shape": list(a.shape), "values": [float(v) for v in a.reshape(-1)]}
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(OUT + "f16_bf16.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)
    with open(OUT + "f16_bf16.expected.json", "w") as f:
        json.dump(expected, f, indent=1)


def npy_files():
    np.save(OUT + "scalar_f32.npy", np.array(-1.5, np.float32))
    np.save(OUT + "ids_i64.npy", np.array([[0, 1, -2], [2**40, 5, -(2**62)]], np.int64))


if __name__ == "__main__":
    torch_views()
    lightning()
    safetensors_dtypes()
    npy_files()
