#!/usr/bin/env python3
"""The Recformer encoder in PyTorch, as the speed comparator of `recformer bench encode` /
`bench train-step` (CPU here, GPU in tools/gpu-check.sh), checked first against the parity fixtures.

The model is the one of docs/spec.md §3 and docs/parity.md: RoBERTa embeddings (word + position
+ Recformer's token type + item position, LayerNorm), then Longformer layers whose self-attention
is a sliding window (attention_window / 2 each side) plus global attention with separate global
query/key/value projections, exact GELU, pooled output = the first token's last hidden state.

Three encoder implementations (--attention):
  chunked  (default) plain PyTorch, HuggingFace LongformerSelfAttention's computation restated: the
           sliding-window scores and the probability x value products as overlapping-chunk matmuls
           (_sliding_chunks_query_key_matmul / _sliding_chunks_matmul_attn_probs_value), global
           keys as extra score columns, global queries recomputed with query_global/key_global/
           value_global. This is what HuggingFace runs, so it is the comparator where
           `transformers` is absent. No dropout modules.
  dense    plain PyTorch, the same function as one masked full (seq x seq) attention per head; exact
           for the window, but it spends seq^2 work, so it is slower at long sequences.
  hf       HuggingFace's own LongformerEncoder (transformers.models.longformer) under Recformer's
           embeddings: the public Recformer model (its dropout included, 0.1 as Recformer's config).
           Needs `transformers`; without it the script says so and exits 3.

--device cpu|cuda and --precision fp32|bf16: bf16 runs the forward pass and the loss under
torch.autocast(dtype=torch.bfloat16) (FP32 master weights and optimizer, as `recformer --precision
bf16`); fp32 keeps TF32 off on CUDA (PyTorch's default for matmuls since 1.12).

Modes:
  check        load test-fixtures/parity/<config>/model.safetensors (parsed by hand: an 8-byte
               little-endian header length, a JSON header, raw little-endian data) and print the
               max abs differences to the fixture outputs; exits 1 past the fixtures' tolerances
               (2e-5 absolute, gradients 1e-4 relative to the largest entry).
  encode       times forward-only encoding (eval mode, torch.no_grad()) of random batches shaped
               like `recformer bench encode`'s (one global <s> per row, items of 8-40 tokens,
               rows 3/4 to all of --seq long, padded); prints `... median X s` and the peak
               resident memory of the process (`peak memory: resident X GB (ru_maxrss)`).
  train-step   times finetune steps as `recformer bench train-step --objective finetune`: encode,
               full softmax over --items frozen random item vectors (cos / 0.05), backward, clip
               the gradient norm to 1.0, torch.optim.AdamW; prints `... median X s` and the peak
               resident memory as encode does.

Usage: /usr/bin/python3 tools/torch_recformer.py check [--fixtures DIR ...] [--attention chunked|dense|hf] [--device cuda]
       /usr/bin/python3 tools/torch_recformer.py encode --size small --seq 128 --batch-size 32 --threads 2
       python3 tools/torch_recformer.py train-step --attention hf --device cuda --size base --seq 1024 --batch-size 16 --precision bf16
Needs numpy and torch (tested with Debian's torch 1.13); --attention hf also `transformers`.
"""
import argparse
import contextlib
import json
import math
import os
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Sizes of RecformerRecipe.SMALL / BASE and the fresh-model constants of `recformer bench`.
SIZES = {"small": dict(hidden=64, layers=2, heads=4, intermediate=256),
         "base": dict(hidden=768, layers=12, heads=12, intermediate=3072)}
ROBERTA_VOCAB, BOS, PAD = 50265, 0, 1
MAX_ITEM_EMBEDDINGS, TOKEN_TYPES, TYPE_BOS, TYPE_KEY, TYPE_VALUE, TYPE_PAD = 51, 4, 0, 1, 2, 3
FIXTURE_DIRS = ["test-fixtures/parity/dev-tiny", "test-fixtures/parity/dev-small"]


# ---------------------------------------------------------------- model

class Config:
    def __init__(self, vocab, hidden, layers, heads, intermediate, windows, max_positions, max_items,
                 pad=PAD, eps=1e-5, temp=0.05, position_padding_idx=PAD, dropout=0.1):
        self.vocab, self.hidden, self.layers, self.heads, self.intermediate = vocab, hidden, layers, heads, intermediate
        self.windows = windows if isinstance(windows, list) else [windows] * layers
        self.max_positions, self.max_items, self.pad, self.eps, self.temp = max_positions, max_items, pad, eps, temp
        self.position_padding_idx, self.dropout = position_padding_idx, dropout

    @staticmethod
    def from_json(d):
        return Config(d["vocab_size"], d["hidden_size"], d["num_hidden_layers"], d["num_attention_heads"],
                      d["intermediate_size"], d["attention_window"], d["max_position_embeddings"],
                      d["max_item_embeddings"], d["pad_token_id"], d["layer_norm_eps"], d["temp"],
                      d.get("position_padding_idx", d["pad_token_id"]))


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab, c.hidden)
        self.position_embeddings = nn.Embedding(c.max_positions, c.hidden)
        self.token_type_embeddings = nn.Embedding(TOKEN_TYPES, c.hidden)
        self.item_position_embeddings = nn.Embedding(c.max_items, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.pad, self.position_padding_idx = c.pad, c.position_padding_idx

    def forward(self, ids, types, items):
        real = ids.ne(self.pad).long()
        positions = torch.cumsum(real, dim=1) * real + self.position_padding_idx  # RoBERTa's position ids
        x = (self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings(types)
             + self.item_position_embeddings(items))
        return self.LayerNorm(x)


def chunk(x, w):
    """(BH, L, D) -> (BH, L/w - 1, 2w, D) overlapping chunks (HF _chunk)."""
    x = x.view(x.size(0), x.size(1) // (2 * w), 2 * w, x.size(2))
    size = list(x.size())
    size[1] = size[1] * 2 - 1
    stride = list(x.stride())
    stride[1] //= 2
    return x.as_strided(size=size, stride=stride)


def mask_invalid_locations(t, w):
    begin = t.new_ones(w, w + 1).tril().flip(dims=[0])[None, :, None, :]
    end = begin.flip(dims=(1, 3))
    bi = t[:, :w, :, :w + 1]
    t[:, :w, :, :w + 1] = torch.full_like(bi, -float("inf")).where(begin.expand(bi.size()).bool(), bi)
    ei = t[:, -w:, :, -(w + 1):]
    t[:, -w:, :, -(w + 1):] = torch.full_like(ei, -float("inf")).where(end.expand(ei.size()).bool(), ei)


def sliding_scores(q, k, w):
    """(B, L, H, D) x (B, L, H, D) -> (B, L, H, 2w+1) banded scores (HF _sliding_chunks_query_key_matmul)."""
    b, n, h, d = q.size()
    chunks = n // w - 1
    q = chunk(q.transpose(1, 2).reshape(b * h, n, d), w)
    k = chunk(k.transpose(1, 2).reshape(b * h, n, d), w)
    s = torch.einsum("bcxd,bcyd->bcxy", (q, k))
    s = F.pad(s, (0, 0, 0, 1))
    s = s.view(*s.size()[:-2], s.size(-1), s.size(-2))
    out = s.new_zeros((b * h, chunks + 1, w, 2 * w + 1))
    out[:, :-1, :, w:] = s[:, :, :w, :w + 1]
    out[:, -1, :, w:] = s[:, -1, w:, :w + 1]
    out[:, 1:, :, :w] = s[:, :, -(w + 1):-1, w + 1:]
    out[:, 0, 1:w, 1:w] = s[:, 0, :w - 1, 1 - w:]
    out = out.view(b, h, n, 2 * w + 1).transpose(2, 1)
    mask_invalid_locations(out, w)
    return out


def pad_and_diagonalize(x):
    heads, chunks, w, d = x.size()
    x = F.pad(x, (0, w + 1)).view(heads, chunks, -1)[:, :, :-w]
    return x.view(heads, chunks, w, w + d)[:, :, :, :-1]


def sliding_context(p, v, w):
    """(B, L, H, 2w+1) probabilities x (B, L, H, D) values (HF _sliding_chunks_matmul_attn_probs_value)."""
    b, n, h, d = v.size()
    chunks = n // w - 1
    p = p.transpose(1, 2).reshape(b * h, n // w, w, 2 * w + 1)
    v = F.pad(v.transpose(1, 2).reshape(b * h, n, d), (0, 0, w, w), value=-1)
    st = v.stride()
    cv = v.as_strided(size=(b * h, chunks + 1, 3 * w, d), stride=(st[0], w * st[1], st[1], st[2]))
    ctx = torch.einsum("bcwd,bcdh->bcwh", (pad_and_diagonalize(p), cv))
    return ctx.view(b, h, n, d).transpose(1, 2)


class SelfAttention(nn.Module):
    """Longformer self-attention; mask: (B, L) float, < 0 padding, 0 local, > 0 global."""

    def __init__(self, c, window, implementation):
        super().__init__()
        for name in ("query", "key", "value", "query_global", "key_global", "value_global"):
            setattr(self, name, nn.Linear(c.hidden, c.hidden))
        self.heads, self.head_dim, self.w = c.heads, c.hidden // c.heads, window // 2
        self.implementation = implementation

    def split(self, x):
        return x.view(x.size(0), x.size(1), self.heads, self.head_dim)

    def forward(self, x, mask):
        if self.implementation == "dense":
            return self.dense(x, mask)
        return self.chunked(x, mask)

    def dense(self, x, mask):
        b, n, _ = x.size()
        masked, is_global = mask < 0, mask > 0
        scale = 1 / math.sqrt(self.head_dim)
        q, k, v = (self.split(f(x)).transpose(1, 2) for f in (self.query, self.key, self.value))
        idx = torch.arange(n)
        band = (idx[None, :] - idx[:, None]).abs() <= self.w
        local_key = ~masked & ~is_global
        allowed = (band[None] & local_key[:, None, :]) | is_global[:, None, :]  # (B, query, key)
        s = torch.matmul(q * scale, k.transpose(-1, -2)).masked_fill(~allowed[:, None], -float("inf"))
        out = torch.matmul(torch.softmax(s, -1).masked_fill(masked[:, None, :, None], 0.0), v)
        if is_global.any():
            qg, kg, vg = (self.split(f(x)).transpose(1, 2) for f in (self.query_global, self.key_global, self.value_global))
            sg = torch.matmul(qg * scale, kg.transpose(-1, -2)).masked_fill(masked[:, None, None, :], -float("inf"))
            out = torch.where(is_global[:, None, :, None], torch.matmul(torch.softmax(sg, -1), vg), out)
        return out.transpose(1, 2).reshape(b, n, -1)

    def chunked(self, x, mask):
        """HF LongformerSelfAttention.forward (batch-first here; same operations)."""
        b, n, e = x.size()
        w, h, d = self.w, self.heads, self.head_dim
        masked, is_global = mask < 0, mask > 0
        q = self.split(self.query(x) / math.sqrt(d))
        k = self.split(self.key(x))
        v = self.split(self.value(x))
        scores = sliding_scores(q, k, w)
        remove = (mask != 0)[:, :, None, None]
        float_mask = remove.type_as(q).masked_fill(remove, torch.finfo(q.dtype).min)
        scores += sliding_scores(float_mask.new_ones(size=float_mask.size()), float_mask, w)
        any_global = bool(is_global.any())
        if any_global:
            count = is_global.long().sum(dim=1)
            g = int(count.max())
            global_nz = is_global.nonzero(as_tuple=True)
            local_is_global = torch.arange(g) < count.unsqueeze(-1)
            local_nz = local_is_global.nonzero(as_tuple=True)
            local_not_nz = (local_is_global == 0).nonzero(as_tuple=True)
            k_global = k.new_zeros(b, g, h, d)
            k_global[local_nz] = k[global_nz]
            from_global = torch.einsum("blhd,bshd->blhs", (q, k_global)).transpose(1, 3)
            from_global[local_not_nz[0], local_not_nz[1], :, :] = torch.finfo(from_global.dtype).min
            scores = torch.cat((from_global.transpose(1, 3), scores), dim=-1)
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32)
        probs = torch.masked_fill(probs, masked[:, :, None, None], 0.0)
        if any_global:
            v_global = v.new_zeros(b, g, h, d)
            v_global[local_nz] = v[global_nz]
            out_global_keys = torch.matmul(probs.narrow(-1, 0, g).transpose(1, 2).clone(),
                                           v_global.transpose(1, 2).clone()).transpose(1, 2)
            out = out_global_keys + sliding_context(probs.narrow(-1, g, probs.size(-1) - g).contiguous(), v, w)
        else:
            out = sliding_context(probs, v, w)
        out = out.reshape(b, n, e)
        if any_global:
            xt = x.transpose(0, 1)  # HF works sequence-first here
            gh = xt.new_zeros(g, b, e)
            gh[local_nz[::-1]] = xt[global_nz[::-1]]
            qg = (self.query_global(gh) / math.sqrt(d)).contiguous().view(g, b * h, d).transpose(0, 1)
            kg = self.key_global(xt).contiguous().view(-1, b * h, d).transpose(0, 1)
            vg = self.value_global(xt).contiguous().view(-1, b * h, d).transpose(0, 1)
            sg = torch.bmm(qg, kg.transpose(1, 2)).view(b, h, g, n).transpose(1, 2)
            sg[local_not_nz[0], local_not_nz[1], :, :] = torch.finfo(sg.dtype).min
            sg = sg.transpose(1, 2).masked_fill(masked[:, None, None, :], torch.finfo(sg.dtype).min)
            pg = torch.softmax(sg.view(b * h, g, n), dim=-1, dtype=torch.float32)
            og = torch.bmm(pg, vg).view(b, h, g, d)
            out = out.clone()
            out[global_nz] = og[local_nz[0], :, local_nz[1]].reshape(len(local_nz[0]), -1)
        return out


class Layer(nn.Module):
    def __init__(self, c, window, implementation):
        super().__init__()
        self.attention = SelfAttention(c, window, implementation)
        self.attention_dense = nn.Linear(c.hidden, c.hidden)
        self.attention_norm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.intermediate = nn.Linear(c.hidden, c.intermediate)
        self.output = nn.Linear(c.intermediate, c.hidden)
        self.output_norm = nn.LayerNorm(c.hidden, eps=c.eps)

    def forward(self, x, mask):
        a = self.attention_norm(self.attention_dense(self.attention(x, mask)) + x)
        return self.output_norm(self.output(F.gelu(self.intermediate(a))) + a)


def transformers_longformer():
    """transformers.models.longformer.modeling_longformer, or exit 3 saying it is missing."""
    try:
        from transformers.models.longformer import modeling_longformer
    except ImportError as e:
        print(f"torch_recformer: --attention hf needs the `transformers` package ({e}); "
              "use --attention chunked (the same computation in plain PyTorch)", file=sys.stderr, flush=True)
        sys.exit(3)
    return modeling_longformer


def hf_longformer_config(c):
    """The LongformerConfig of the encoder layers (their names and shapes are the fixtures')."""
    hf = transformers_longformer()
    return hf.LongformerConfig(vocab_size=c.vocab, hidden_size=c.hidden, num_hidden_layers=c.layers,
                               num_attention_heads=c.heads, intermediate_size=c.intermediate, hidden_act="gelu",
                               hidden_dropout_prob=c.dropout, attention_probs_dropout_prob=c.dropout,
                               max_position_embeddings=c.max_positions, attention_window=list(c.windows),
                               layer_norm_eps=c.eps, pad_token_id=c.pad)


class Encoder(nn.Module):
    """RecformerModel: returns (last hidden state, pooled output, hidden states)."""

    def __init__(self, c, implementation="chunked"):
        super().__init__()
        self.config = c
        self.embeddings = Embeddings(c)
        if implementation == "hf":  # parameters named encoder.layer.N.* as in the fixtures
            self.encoder = transformers_longformer().LongformerEncoder(hf_longformer_config(c))
        else:
            self.layers = nn.ModuleList(Layer(c, w, implementation) for w in c.windows)

    def forward(self, ids, attention_mask, global_mask, types, items):
        c = self.config
        n = ids.size(1)
        merged = attention_mask * (global_mask + 1)  # 0 padding, 1 local, 2 global
        w = max(c.windows)
        pad = (w - n % w) % w
        if pad:
            ids, items = F.pad(ids, (0, pad), value=c.pad), F.pad(items, (0, pad), value=c.pad)
            merged, types = F.pad(merged, (0, pad), value=0), F.pad(types, (0, pad), value=0)
        mask = (1.0 - merged.float()) * torch.finfo(torch.float32).min  # HF's extended mask: <0, 0, >0
        x = self.embeddings(ids, types, items)
        if hasattr(self, "encoder"):
            hf = self.encoder(x, attention_mask=mask, output_hidden_states=True, return_dict=True)
            states = [h[:, :n] for h in hf.hidden_states]
            return states[-1], states[-1][:, 0], states
        states = [x[:, :n]]
        for layer in self.layers:
            x = layer(x, mask)
            states.append(x[:, :n])
        return x[:, :n], x[:, 0], states


class LmHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.hidden)
        self.layer_norm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.decoder = nn.Linear(c.hidden, c.vocab)

    def forward(self, x):
        return self.decoder(self.layer_norm(F.gelu(self.dense(x))))


def scores(pooled, items, temp):
    return F.cosine_similarity(pooled.unsqueeze(1), items.unsqueeze(0), dim=-1) / temp


# ---------------------------------------------------------------- fixtures

SAFETENSORS_DTYPES = {"F32": "<f4", "I64": "<i8"}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        raw = data[8 + header_len + start:8 + header_len + end]
        out[name] = torch.from_numpy(np.frombuffer(raw, dtype=SAFETENSORS_DTYPES[entry["dtype"]]).reshape(entry["shape"]).copy())
    return out


LAYER_NAMES = {"attention.query": "attention.self.query", "attention.key": "attention.self.key",
               "attention.value": "attention.self.value", "attention.query_global": "attention.self.query_global",
               "attention.key_global": "attention.self.key_global", "attention.value_global": "attention.self.value_global",
               "attention_dense": "attention.output.dense", "attention_norm": "attention.output.LayerNorm",
               "intermediate": "intermediate.dense", "output": "output.dense", "output_norm": "output.LayerNorm"}


def fixture_name(ours):
    """Our parameter name (in Pretraining) -> the RecformerForPretraining state-dict name."""
    if ours.startswith("lm_head."):
        return ours
    ours = ours[len("encoder."):]
    if not ours.startswith("layers."):
        return "longformer." + ours
    _, index, rest = ours.split(".", 2)
    module, kind = rest.rsplit(".", 1)
    return f"longformer.encoder.layer.{index}.{LAYER_NAMES[module]}.{kind}"


class Pretraining(nn.Module):
    def __init__(self, c, implementation):
        super().__init__()
        self.encoder = Encoder(c, implementation)
        self.lm_head = LmHead(c)

    def load(self, state):
        with torch.no_grad():
            for name, p in self.named_parameters():
                p.copy_(state[fixture_name(name)])


INPUT_KEYS = ["input_ids", "attention_mask", "global_attention_mask", "token_type_ids", "item_position_ids"]


def check(folder, implementation, device="cpu"):
    """Max abs differences to the fixture outputs; returns the names past tolerance."""
    c = Config.from_json(json.load(open(os.path.join(folder, "config.json"))))
    model = Pretraining(c, implementation)
    model.load(read_safetensors(os.path.join(folder, "model.safetensors")))
    model.eval().to(device)
    expect = lambda name: torch.from_numpy(np.load(os.path.join(folder, name + ".npy"))).to(device)
    tensors = lambda d, keys, suffix="": [torch.tensor(d[k + suffix], device=device) for k in keys]
    got = {}
    inputs = json.load(open(os.path.join(folder, "inputs.json")))
    with torch.no_grad():
        last, pooled, states = model.encoder(*tensors(inputs, INPUT_KEYS))
        got["last_hidden_state"], got["pooler_output"] = last, pooled
        got["hidden_states"] = torch.stack(states)
        got["mlm_logits"] = model.lm_head(last)
        seqrec = json.load(open(os.path.join(folder, "seqrec_inputs.json")))
        table = model.encoder(*tensors(seqrec["item_table_inputs"], INPUT_KEYS))[1]
        got["seqrec_item_embeddings"] = table
        got["seqrec_scores"] = scores(pooled, table, c.temp)
        got["seqrec_loss"] = F.cross_entropy(got["seqrec_scores"], torch.tensor(seqrec["labels"], device=device))
    kw = json.load(open(os.path.join(folder, "pretrain_inputs.json")))
    z = [model.encoder(*tensors(kw, INPUT_KEYS, "_" + v))[1] for v in "ab"]
    cos = scores(z[0], z[1], c.temp)
    loss = F.cross_entropy(cos, torch.arange(cos.size(0), device=device))
    for v in "ab":
        hidden = model.encoder(*tensors(kw, ["mlm_input_ids"] + INPUT_KEYS[1:], "_" + v))[0]
        loss = loss + 0.1 * F.cross_entropy(model.lm_head(hidden).view(-1, c.vocab),
                                            torch.tensor(kw["mlm_labels_" + v], device=device).view(-1))
    loss.backward()
    got["pretrain_loss"] = loss.detach()
    last_layer = c.layers - 1
    grads = {"grad_word_embeddings": "longformer.embeddings.word_embeddings.weight",
             "grad_item_position_embeddings": "longformer.embeddings.item_position_embeddings.weight",
             "grad_layer0_query": "longformer.encoder.layer.0.attention.self.query.weight",
             "grad_layer0_query_global": "longformer.encoder.layer.0.attention.self.query_global.weight",
             "grad_last_layer_output_dense": f"longformer.encoder.layer.{last_layer}.output.dense.weight",
             "grad_lm_head_dense": "lm_head.dense.weight"}
    params = {fixture_name(name): p for name, p in model.named_parameters()}
    failed = []
    for name, value in got.items():
        diff = float((value - expect(name).reshape(value.shape)).abs().max())
        ok = diff <= 2e-5
        print(f"{os.path.basename(folder)} {implementation:7s} {name:26s} max abs diff {diff:.2e}{'' if ok else '  FAIL (> 2e-5)'}")
        if not ok:
            failed.append(name)
    for name, param in grads.items():
        e = expect(name)
        diff = float((params[param].grad - e).abs().max())
        rel = diff / float(e.abs().max())
        ok = rel <= 1e-4
        print(f"{os.path.basename(folder)} {implementation:7s} {name:26s} max abs diff {diff:.2e} (relative {rel:.2e}){'' if ok else '  FAIL (> 1e-4)'}")
        if not ok:
            failed.append(name)
    return failed


# ---------------------------------------------------------------- timing

def row_length(rng, seq, real_tokens):
    """A row after the first, as RandomInputs.rowLength: uniform over the widest range of mean real_tokens x seq."""
    if real_tokens >= 0.5:
        return seq - int(rng.integers(0, int((2 - 2 * real_tokens) * seq) + 1))
    top = max(1, int(2 * real_tokens * seq))
    return top - int(rng.integers(0, top))


def random_batch(rng, batch, seq, vocab=ROBERTA_VOCAB, real_tokens=0.875):
    """Shaped like RandomInputs.sequences of `recformer bench` (not the same random numbers)."""
    ids = np.full((batch, seq), PAD, np.int64)
    mask = np.zeros((batch, seq), np.int64)
    glob = np.zeros((batch, seq), np.int64)
    types = np.full((batch, seq), TYPE_PAD, np.int64)
    items = np.full((batch, seq), MAX_ITEM_EMBEDDINGS - 1, np.int64)
    for b in range(batch):
        length = seq if b == 0 else row_length(rng, seq, real_tokens)
        ids[b, 0], mask[b, 0], glob[b, 0], types[b, 0], items[b, 0] = BOS, 1, 1, TYPE_BOS, 0
        item, left, item_len = 0, 0, 0
        for t in range(1, length):
            if left == 0:
                item = min(item + 1, MAX_ITEM_EMBEDDINGS - 2)
                item_len = 8 + int(rng.integers(0, 33))
                left = item_len
            ids[b, t] = int(rng.integers(3, vocab - 1))
            mask[b, t] = 1
            types[b, t] = TYPE_KEY if item_len - left < item_len // 4 else TYPE_VALUE
            items[b, t] = item
            left -= 1
    return [torch.from_numpy(a) for a in (ids, mask, glob, types, items)]


def bench_config(args):
    s = dict(SIZES[args.size])
    for key in ("hidden", "layers", "heads", "intermediate"):
        if getattr(args, key) is not None:
            s[key] = getattr(args, key)
    # as RecformerRecipe.freshConfig: positions 0 (pad) .. max_token_num, position_padding_idx 0
    return Config(ROBERTA_VOCAB, s["hidden"], s["layers"], s["heads"], s["intermediate"], args.window,
                  max(args.seq, 1024) + 1, MAX_ITEM_EMBEDDINGS, position_padding_idx=0)


def timed(step, warmup, steps, device="cpu"):
    """Median seconds of step() (the GPU's queue drained before and after each)."""
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        sync()
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory():
    """The peak resident set size of this process (Linux ru_maxrss is in kB), as `recformer bench` prints VmHWM."""
    return f"peak memory: resident {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9:.2f} GB (ru_maxrss)"


def autocast(args):
    """The forward pass's context at --precision: torch.autocast to bfloat16, or nothing (FP32)."""
    if args.precision == "bf16":
        return torch.autocast(device_type=args.device, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def describe(args, c):
    where = torch.cuda.get_device_name(0) if args.device == "cuda" else f"{torch.get_num_threads()} threads"
    return (f"{args.size} model (hidden {c.hidden}, {c.layers} layers, {c.heads} heads, FFN {c.intermediate}), "
            f"batch {args.batch_size} x {args.seq} tokens, window {args.window}, attention {args.attention}, "
            f"precision {args.precision}, torch {torch.__version__}, {where}")


def device_batches(args, rng):
    return [[t.to(args.device) for t in random_batch(rng, args.batch_size, args.seq, real_tokens=args.real_tokens)]
            for _ in range(4)]


def encode(args):
    c = bench_config(args)
    torch.manual_seed(args.seed)
    model = Encoder(c, args.attention).eval().to(args.device)
    rng = np.random.default_rng(args.seed)
    batches = device_batches(args, rng)
    counter = iter(range(10 ** 9))

    def step():
        with torch.no_grad(), autocast(args):
            model(*batches[next(counter) % len(batches)])

    median = timed(step, args.warmup_steps, args.steps, args.device)
    print(f"{describe(args, c)}")
    print(f"batch time over {args.steps} batches (after {args.warmup_steps} warmup): median {median:.4f} s")
    print(peak_memory())


def train_step(args):
    c = bench_config(args)
    torch.manual_seed(args.seed)
    model = Encoder(c, args.attention).train().to(args.device)  # dropout: hf only (chunked and dense have none)
    item_table = torch.randn(args.items, c.hidden).to(args.device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    batches = device_batches(args, rng)
    labels = torch.from_numpy(rng.integers(0, args.items, args.batch_size)).to(args.device)
    counter = iter(range(10 ** 9))
    losses = []

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast(args):
            pooled = model(*batches[next(counter) % len(batches)])[1]
            loss = F.cross_entropy(scores(pooled, item_table, c.temp), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.detach())

    median = timed(step, args.warmup_steps, args.steps, args.device)
    print(f"{describe(args, c)}, finetune over {args.items} items")
    print(f"step time over {args.steps} steps (after {args.warmup_steps} warmup): median {median:.4f} s")
    print(f"last loss {float(losses[-1]):.6f}")
    print(peak_memory())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["check", "encode", "train-step"])
    p.add_argument("--attention", choices=["chunked", "dense", "hf"], default="chunked")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32", help="encode / train-step: bf16 autocast or FP32")
    p.add_argument("--fixtures", nargs="*", default=FIXTURE_DIRS, help="check: fixture folders")
    p.add_argument("--size", choices=sorted(SIZES), default="small")
    for key in ("hidden", "layers", "heads", "intermediate"):
        p.add_argument("--" + key, type=int)
    p.add_argument("--seq", type=int, default=1024)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--window", type=int, default=64, help="attention_window, both sides together")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup-steps", type=int, default=2)
    p.add_argument("--items", type=int, default=1000)
    p.add_argument("--real-tokens", type=float, default=0.875,
                   help="mean share of real tokens in the rows after the first, as `recformer bench --real-tokens`")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.device == "cuda":
        if not torch.cuda.is_available():
            p.error("--device cuda: torch sees no CUDA device")
        torch.backends.cuda.matmul.allow_tf32 = False  # FP32 means FP32 (PyTorch's default since 1.12)
        torch.backends.cudnn.allow_tf32 = False
    if args.mode == "check":
        failed = [f for folder in args.fixtures for f in check(folder, args.attention, args.device)]
        print("check: " + ("FAILED " + ", ".join(failed) if failed else "all within the fixtures' tolerances"))
        return 1 if failed else 0
    if args.window < 2 or args.window % 2:
        p.error(f"--window {args.window}: must be even and at least 2")
    (encode if args.mode == "encode" else train_step)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
