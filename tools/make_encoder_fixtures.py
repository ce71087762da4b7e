#!/usr/bin/python3
"""Writes the encoder-conversion fixtures of test-fixtures/encoder/ (run from the repository root
with Debian's /usr/bin/python3 and python3-torch; no transformers needed).

A tiny random BERT (HuggingFace BertModel's module names and arithmetic: absolute positions from 0,
token type 0, post-LayerNorm layers, exact GELU, extended attention mask) in plain torch, saved as
  tiny-bert.onnx        torch.onnx.export with constant folding: linear weights become transposed
                        onnx::MatMul_N initializers, as in HuggingFace's exports
  tiny-bert-hf/         config.json (model_type bert) + pytorch_model.bin (names prefixed bert.)
  tiny-bert.expected.json  input_ids / attention_mask of two rows (the second right-padded) and
                        torch's hidden states (embeddings, then every layer) on them
"""
import json
import math
import os

import torch
from torch import nn

OUT = "test-fixtures/encoder/"
VOCAB, HIDDEN, HEADS, FFN, LAYERS, MAX_POS = 40, 16, 4, 32, 2, 24
EPS = 1e-12


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN, padding_idx=0)
        self.position_embeddings = nn.Embedding(MAX_POS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=EPS)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        types = torch.zeros_like(ids)
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings(types))


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)

    def forward(self, x, mask):
        b, t, _ = x.shape
        d = HIDDEN // HEADS
        split = lambda y: y.view(b, t, HEADS, d).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask
        return (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, HIDDEN)


class Dense(nn.Module):
    def __init__(self, n_in, n_out, norm):
        super().__init__()
        self.dense = nn.Linear(n_in, n_out)
        if norm:
            self.LayerNorm = nn.LayerNorm(n_out, eps=EPS)

    def forward(self, x, residual=None):
        y = self.dense(x)
        return nn.functional.gelu(y) if residual is None else self.LayerNorm(y + residual)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = SelfAttention()
        self.output = Dense(HIDDEN, HIDDEN, True)

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.intermediate = Dense(HIDDEN, FFN, False)
        self.output = Dense(FFN, HIDDEN, True)

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.ModuleList([Layer() for _ in range(LAYERS)])

    def forward(self, x, mask):
        states = [x]
        for layer in self.layer:
            states.append(layer(states[-1], mask))
        return states


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.encoder = Encoder()

    def forward(self, ids, attention_mask):
        mask = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        return tuple(self.encoder(self.embeddings(ids), mask))


def main():
    torch.manual_seed(7)
    model = Bert().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.5)
    ids = torch.tensor([[2, 11, 17, 5, 29, 8, 3], [2, 30, 12, 9, 3, 0, 0]])
    mask = (ids != 0).long()
    os.makedirs(OUT + "tiny-bert-hf", exist_ok=True)
    with torch.no_grad():
        states = model(ids, mask)
        torch.onnx.export(model, (ids, mask), OUT + "tiny-bert.onnx", input_names=["input_ids", "attention_mask"],
                          opset_version=14, do_constant_folding=True)
    torch.save({"bert." + k: v for k, v in model.state_dict().items()}, OUT + "tiny-bert-hf/pytorch_model.bin")
    config = {"model_type": "bert", "architectures": ["BertModel"], "vocab_size": VOCAB, "hidden_size": HIDDEN,
              "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": FFN, "hidden_act": "gelu",
              "max_position_embeddings": MAX_POS, "type_vocab_size": 2, "layer_norm_eps": EPS, "pad_token_id": 0}
    with open(OUT + "tiny-bert-hf/config.json", "w") as f:
        json.dump(config, f, indent=2)
    expected = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                "hidden_states": [s.flatten().tolist() for s in states], "shape": list(states[0].shape)}
    with open(OUT + "tiny-bert.expected.json", "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
