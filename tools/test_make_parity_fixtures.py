#!/usr/bin/env python3
"""Tests of the numpy-only parts of make_parity_fixtures.py (no torch needed):
python3 tools/test_make_parity_fixtures.py"""
import json
import os
import struct
import tempfile
import unittest

import numpy as np

import make_parity_fixtures as mp


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    dtypes = {"F32": "<f4", "I64": "<i8", "F16": "<f2"}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        out[name] = np.frombuffer(body[begin:end], dtype=dtypes[e["dtype"]]).reshape(e["shape"])
    return header, out, n


class InputsTest(unittest.TestCase):
    def setUp(self):
        self.config = mp.preset_config("dev-tiny")
        self.a, self.pretrain, self.seqrec = mp.build_inputs(self.config, 7201)

    def check_batch(self, batch):
        ids = np.array(batch["input_ids"])
        mask = np.array(batch["attention_mask"])
        types = np.array(batch["token_type_ids"])
        positions = np.array(batch["item_position_ids"])
        glob = np.array(batch["global_attention_mask"])
        self.assertEqual(ids.shape, mask.shape)
        self.assertTrue((ids[:, 0] == 0).all() and (types[:, 0] == 0).all() and (positions[:, 0] == 0).all())
        self.assertTrue((glob[:, 0] == 1).all() and (glob[:, 1:] == 0).all())
        pad = mask == 0
        self.assertTrue((ids[pad] == 1).all() and (types[pad] == 3).all() and (positions[pad] == 10).all())
        real = ~pad
        real[:, 0] = False
        self.assertTrue(np.isin(types[real], [1, 2]).all())
        self.assertTrue((positions[real] >= 1).all() and (positions[real] <= 10).all())
        self.assertTrue((ids < self.config["vocab_size"] - 1).all())  # the mask id is never an item token
        for row in positions:  # item positions never decrease along a row's real tokens
            real_row = row[row != 10]
            self.assertTrue((np.diff(real_row) >= 0).all())

    def test_batches_are_built_as_the_tokenizer_does(self):
        self.check_batch(self.a)
        self.check_batch(self.seqrec["item_table_inputs"])
        lengths = np.array(self.a["attention_mask"]).sum(1)
        self.assertLess(lengths.min(), lengths.max())  # one row is padded
        b = {k[:-2]: v for k, v in self.pretrain.items() if k.endswith("_b") and not k.startswith("mlm")}
        self.check_batch(b)
        self.assertTrue((np.array(b["item_position_ids"])[np.array(b["attention_mask"]) == 1] <= 1).all())

    def test_mlm_labels_mark_exactly_the_changed_or_chosen_tokens(self):
        for v in ("a", "b"):
            ids = np.array(self.pretrain["input_ids_" + v])
            masked = np.array(self.pretrain["mlm_input_ids_" + v])
            labels = np.array(self.pretrain["mlm_labels_" + v])
            chosen = labels != -100
            self.assertTrue(chosen.any(axis=1).all())
            self.assertTrue((labels[chosen] == ids[chosen]).all())
            self.assertTrue((masked[~chosen] == ids[~chosen]).all())
            self.assertTrue((np.array(self.pretrain["attention_mask_" + v])[chosen] == 1).all())
            self.assertFalse(np.isin(ids[chosen], [0, 1, 2, 3]).any())
        self.assertEqual(self.config["vocab_size"] - 1, self.pretrain["mask_token_id"])

    def test_seqrec_labels_and_candidates_are_items(self):
        n = self.seqrec["item_num"]
        self.assertEqual(n, len(self.seqrec["item_table_inputs"]["input_ids"]))
        self.assertTrue(all(0 <= l < n for l in self.seqrec["labels"]))
        for row in self.seqrec["candidates"]:
            self.assertEqual(len(set(row)), len(row))
            self.assertTrue(all(0 <= c < n for c in row))

    def test_same_seed_same_inputs(self):
        self.assertEqual(self.a, mp.build_inputs(self.config, 7201)[0])
        self.assertNotEqual(self.a, mp.build_inputs(self.config, 7202)[0])


class FilesTest(unittest.TestCase):
    def test_safetensors_round_trip(self):
        tensors = {"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "ids": np.arange(5, dtype=np.int64).reshape(1, 5),
                   "h": np.array([1.5, -2], np.float16)}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            mp.write_safetensors(path, tensors)
            header, back, n = read_safetensors(path)
            self.assertEqual(0, n % 8)
            self.assertEqual({"format": "pt"}, header["__metadata__"])
            self.assertEqual(["w", "ids", "h"], [k for k in header if k != "__metadata__"])
            for k, v in tensors.items():
                np.testing.assert_array_equal(v, back[k])

    def test_npy_is_float32(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.npy")
            mp.write_npy(path, np.array([[1.0, 2.0]]))
            self.assertEqual(np.float32, np.load(path).dtype)
            entry = mp.file_entry(path, "x", np.load(path))
            self.assertEqual([1, 2], entry["shape"])
            self.assertEqual(64, len(entry["sha256"]))

    def test_random_weights_follow_the_manifest_rule(self):
        w = mp.random_weights([("a.weight", (50, 40)), ("x.LayerNorm.weight", (2000,)), ("lm_head.layer_norm.weight", (8,))], 1)
        z = np.random.default_rng(1).standard_normal((50, 40))
        np.testing.assert_array_equal((0.05 * z).astype(np.float32), w["a.weight"])
        self.assertAlmostEqual(1.0, float(w["x.LayerNorm.weight"].mean()), delta=0.01)
        self.assertTrue(all(v.dtype == np.float32 for v in w.values()))


if __name__ == "__main__":
    unittest.main()
