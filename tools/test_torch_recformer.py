#!/usr/bin/env python3
"""Tests of tools/torch_recformer.py (needs torch; not run by CI, which has no torch):
/usr/bin/python3 tools/test_torch_recformer.py"""
import os
import unittest

import numpy as np
import torch

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


if __name__ == "__main__":
    unittest.main()
