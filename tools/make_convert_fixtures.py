#!/usr/bin/env python3
"""Writes the checkpoint-conversion fixtures of test-fixtures/convert/ (run from the repository root).

No torch needed: the torch.save zip files are written with the stand-ins of make_io_fixtures.py.
Values are random float32 (numpy, seeded); every tensor's expected values go to a .expected.json.

  longformer-mlm/     a tiny LongformerForMaskedLM checkpoint as HuggingFace saves one:
                      config.json (LongformerConfig, type_vocab_size 1) and pytorch_model.bin with
                      the position_ids buffer, a pooler (dropped by the converter), lm_head.decoder.weight
                      sharing the word embeddings' storage (tied) and lm_head.decoder.bias sharing
                      lm_head.bias's.
  pretrain/           a tiny RecformerForPretraining checkpoint as PyTorch Lightning saves one:
                      last.ckpt ({"state_dict": {"_forward_module.model.longformer...": ...}, "epoch": ...})
                      and config.json beside it.
"""
import collections
import json
import os

import numpy as np

import make_io_fixtures as mf

OUT = "test-fixtures/convert/"
VOCAB, HIDDEN, FFN, LAYERS, MAX_POS = 30, 8, 16, 1, 24


def layer_shapes(prefix):
    shapes = []
    for name in ["query", "key", "value", "query_global", "key_global", "value_global"]:
        shapes += [(f"{prefix}attention.self.{name}.weight", (HIDDEN, HIDDEN)), (f"{prefix}attention.self.{name}.bias", (HIDDEN,))]
    shapes += [(f"{prefix}attention.output.dense.weight", (HIDDEN, HIDDEN)), (f"{prefix}attention.output.dense.bias", (HIDDEN,)),
               (f"{prefix}attention.output.LayerNorm.weight", (HIDDEN,)), (f"{prefix}attention.output.LayerNorm.bias", (HIDDEN,)),
               (f"{prefix}intermediate.dense.weight", (FFN, HIDDEN)), (f"{prefix}intermediate.dense.bias", (FFN,)),
               (f"{prefix}output.dense.weight", (HIDDEN, FFN)), (f"{prefix}output.dense.bias", (HIDDEN,)),
               (f"{prefix}output.LayerNorm.weight", (HIDDEN,)), (f"{prefix}output.LayerNorm.bias", (HIDDEN,))]
    return shapes


def encoder_shapes(prefix, token_types, item_positions):
    shapes = [(prefix + "embeddings.word_embeddings.weight", (VOCAB, HIDDEN)),
              (prefix + "embeddings.position_embeddings.weight", (MAX_POS, HIDDEN)),
              (prefix + "embeddings.token_type_embeddings.weight", (token_types, HIDDEN))]
    if item_positions:
        shapes.append((prefix + "embeddings.item_position_embeddings.weight", (item_positions, HIDDEN)))
    shapes += [(prefix + "embeddings.LayerNorm.weight", (HIDDEN,)), (prefix + "embeddings.LayerNorm.bias", (HIDDEN,))]
    for i in range(LAYERS):
        shapes += layer_shapes(f"{prefix}encoder.layer.{i}.")
    return shapes


def lm_head_shapes(prefix):
    return [(prefix + "lm_head.dense.weight", (HIDDEN, HIDDEN)), (prefix + "lm_head.dense.bias", (HIDDEN,)),
            (prefix + "lm_head.layer_norm.weight", (HIDDEN,)), (prefix + "lm_head.layer_norm.bias", (HIDDEN,))]


class Builder:
    """Random float32 storages, one per tensor unless a tensor is declared as sharing another's."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.storages, self.tensors = [], collections.OrderedDict()

    def add(self, name, shape, values=None, type_name="FloatStorage"):
        if values is None:
            values = (0.05 * self.rng.standard_normal(int(np.prod(shape)))).astype(np.float32)
        s = mf.Storage(str(len(self.storages)), type_name, values)
        self.storages.append(s)
        self.tensors[name] = mf.Tensor(s, 0, shape, tuple(int(np.prod(shape[i + 1:])) for i in range(len(shape))))

    def share(self, name, other):
        t = self.tensors[other]
        self.tensors[name] = mf.Tensor(t.storage, t.offset, t.size, t.stride)

    def position_ids(self, name):
        self.add(name, (1, MAX_POS), np.arange(MAX_POS, dtype=np.int64), "LongStorage")


def base_config():
    return {"attention_probs_dropout_prob": 0.1, "attention_window": [4] * LAYERS, "bos_token_id": 0, "eos_token_id": 2,
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": HIDDEN, "initializer_range": 0.02,
            "intermediate_size": FFN, "layer_norm_eps": 1e-05, "max_position_embeddings": MAX_POS, "model_type": "longformer",
            "num_attention_heads": 2, "num_hidden_layers": LAYERS, "pad_token_id": 1, "sep_token_id": 2,
            "type_vocab_size": 1, "vocab_size": VOCAB}


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)


def longformer_mlm():
    os.makedirs(OUT + "longformer-mlm", exist_ok=True)
    b = Builder(31)
    b.position_ids("longformer.embeddings.position_ids")
    for name, shape in encoder_shapes("longformer.", 1, 0):
        b.add(name, shape)
    b.add("longformer.pooler.dense.weight", (HIDDEN, HIDDEN))
    b.add("longformer.pooler.dense.bias", (HIDDEN,))
    b.add("lm_head.bias", (VOCAB,))
    for name, shape in lm_head_shapes(""):
        b.add(name, shape)
    b.share("lm_head.decoder.weight", "longformer.embeddings.word_embeddings.weight")
    b.share("lm_head.decoder.bias", "lm_head.bias")
    mf.torch_save(OUT + "longformer-mlm/pytorch_model.bin", b.tensors, b.storages, "pytorch_model")
    mf.write_expected(OUT + "longformer-mlm.expected.json", b.tensors)
    write_json(OUT + "longformer-mlm/config.json", dict(base_config(), architectures=["LongformerForMaskedLM"]))


def pretrain_lightning():
    os.makedirs(OUT + "pretrain", exist_ok=True)
    b = Builder(32)
    prefix = "_forward_module.model."
    b.position_ids(prefix + "longformer.embeddings.position_ids")
    for name, shape in encoder_shapes(prefix + "longformer.", 4, 5):
        b.add(name, shape)
    b.add(prefix + "lm_head.bias", (VOCAB,))
    for name, shape in lm_head_shapes(prefix):
        b.add(name, shape)
    b.add(prefix + "lm_head.decoder.weight", (VOCAB, HIDDEN))
    b.share(prefix + "lm_head.decoder.bias", prefix + "lm_head.bias")
    ckpt = {"epoch": 1, "global_step": 10, "pytorch-lightning_version": "1.9.0", "state_dict": b.tensors,
            "callbacks": {}, "optimizer_states": [], "lr_schedulers": []}
    mf.torch_save(OUT + "pretrain/last.ckpt", ckpt, b.storages, "last")
    mf.write_expected(OUT + "pretrain.expected.json", b.tensors)
    write_json(OUT + "pretrain/config.json", dict(base_config(), architectures=["RecformerForPretraining"], token_type_size=4,
                                                  max_item_embeddings=5, max_attr_num=3, max_attr_length=32, max_token_num=1024,
                                                  pooler_type="cls", temp=0.05, mlm_weight=0.1))


if __name__ == "__main__":
    longformer_mlm()
    pretrain_lightning()
