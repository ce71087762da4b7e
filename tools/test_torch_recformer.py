#!/usr/bin/env python3
"""Tests of tools/torch_recformer.py (needs torch; not run by CI, which has no torch):
/usr/bin/python3 tools/test_torch_recformer.py"""
import contextlib
import io
import os
import unittest
from unittest import mock

import numpy as np
import torch

import torch_attention_bench as tab
import torch_recformer as tr

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


class FixtureParity(unittest.TestCase):
    def test_both_attentions_match_dev_tiny(self):
        for implementation in ("chunked", "dense"):
            with self.subTest(implementation=implementation):
                self.assertEqual([], tr.check(os.path.join(ROOT, "test-fixtures/parity/dev-tiny"), implementation))


class ChunkedEqualsDense(unittest.TestCase):
    def test_bench_shaped_batch_with_padding_and_two_windows(self):
        torch.manual_seed(3)
        c = tr.Config(vocab=300, hidden=32, layers=2, heads=4, intermediate=64, windows=[8, 16], max_positions=80,
                      max_items=tr.MAX_ITEM_EMBEDDINGS, position_padding_idx=0)
        chunked = tr.Encoder(c, "chunked").eval()
        dense = tr.Encoder(c, "dense").eval()
        dense.load_state_dict(chunked.state_dict())
        batch = tr.random_batch(np.random.default_rng(5), 5, 45, vocab=300)  # 45: not a multiple of the window
        with torch.no_grad():
            a, b = chunked(*batch)[0], dense(*batch)[0]
        real = batch[1].bool()
        self.assertLess(float((a - b)[real].abs().max()), 2e-5)


class RandomBatch(unittest.TestCase):
    def test_layout_like_recformer_bench(self):
        ids, mask, glob, types, items = tr.random_batch(np.random.default_rng(0), 8, 128)
        self.assertTrue(bool((glob.sum(1) == 1).all()) and bool((glob[:, 0] == 1).all()))
        self.assertEqual(128, int(mask[0].sum()))
        lengths = mask.sum(1)
        self.assertTrue(bool((lengths >= 96).all()))
        padded = mask == 0
        self.assertTrue(bool((ids[padded] == tr.PAD).all()) and bool((types[padded] == tr.TYPE_PAD).all()))
        self.assertTrue(bool((items[padded] == tr.MAX_ITEM_EMBEDDINGS - 1).all()))


class TimedModes(unittest.TestCase):
    """The modes tools/gpu-check.sh times, at tiny shapes on the CPU (its --dry-run sizes)."""

    def run_main(self, main, argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(0, main(argv))
        return out.getvalue()

    def test_bf16_train_step_ends_near_the_fp32_loss(self):
        losses = {}
        for precision in ("fp32", "bf16"):
            text = self.run_main(tr.main, ["train-step", "--hidden", "32", "--layers", "1", "--heads", "2", "--intermediate", "64",
                                           "--seq", "64", "--window", "16", "--batch-size", "2", "--steps", "2",
                                           "--warmup-steps", "0", "--items", "20", "--precision", precision])
            self.assertIn(f"precision {precision}", text)
            self.assertRegex(text, r"step time over 2 steps \(after 0 warmup\): median \d+\.\d+ s")
            losses[precision] = float(text.split("last loss ")[1].split()[0])
        self.assertLess(abs(losses["bf16"] - losses["fp32"]), 2e-2, losses)
        self.assertNotEqual(losses["bf16"], losses["fp32"], "autocast changed nothing")

    def test_attention_bench_subtracts_the_projections(self):
        text = self.run_main(tab.main, ["--attention", "chunked", "--device", "cpu", "--batch", "2", "--seq", "64", "--heads", "2",
                                        "--head-dim", "16", "--window", "16", "--warmup", "0", "--reps", "1"])
        results = {line.split()[1]: float(line.split()[2]) for line in text.splitlines() if line.startswith("RESULT ")}
        for kind in ("forward", "fwd_bwd"):
            self.assertAlmostEqual(results[f"torch_attention_layer_{kind}_ms"] - results[f"torch_projections_{kind}_ms"],
                                   results[f"torch_attention_{kind}_ms"], delta=1e-2)

    def test_hf_without_transformers_exits_3_saying_so(self):
        err = io.StringIO()
        with mock.patch.dict("sys.modules", {"transformers": None}), contextlib.redirect_stderr(err):
            with self.assertRaises(SystemExit) as exit_:
                tr.transformers_longformer()
        self.assertEqual(3, exit_.exception.code)
        self.assertIn("--attention hf needs the `transformers` package", err.getvalue())


if __name__ == "__main__":
    unittest.main()
