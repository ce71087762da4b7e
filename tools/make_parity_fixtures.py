#!/usr/bin/env python3
"""Makes a parity fixtures folder (format: test-fixtures/parity/README.md) with the reference stack.

The reference is the public Recformer model code (AaronHeee/RecFormer recformer/models.py, restated
minimally below) on HuggingFace `transformers`' LongformerEncoder and LongformerLMHead, run with
PyTorch on the CPU in float32, eval mode (dropout off), one thread. It writes:

  config.json, model.safetensors, pytorch_model.bin   the RecformerForPretraining weights used
  inputs.json, pretrain_inputs.json, seqrec_inputs.json   random sequences built as the Recformer
                                                          tokenizer builds them (random token ids)
  last_hidden_state.npy ... seqrec_loss.npy               the reference outputs and gradients
  manifest.json                                           versions, seeds, shapes, sha256

Weights come from a checkpoint (`--checkpoint`: a HuggingFace folder or file of a Longformer
masked-LM, a Recformer pretraining / RecformerModel / RecformerForSeqRec model, or a Lightning
.ckpt; tensors copied by name into a RecformerForPretraining, missing ones initialized as
HuggingFace does) or are random (`--preset dev-tiny|dev-small`, or `--config FILE` alone):
numpy.random.default_rng(seed).standard_normal per parameter in named_parameters() order,
0.05 * z, LayerNorm weights 1 + 0.05 * z.

Then check the Java engine against it:
  java -jar target/recformer.jar parity --fixtures OUT

Needs numpy, torch and transformers (tested against the API of transformers 4.27, the reference
of docs/spec.md). The input building and file writing use numpy only (tools/test_make_parity_fixtures.py).
"""
import argparse
import copy
import hashlib
import json
import os
import struct
import sys

import numpy as np

IGNORE_INDEX = -100
# Recformer's token types: 0 <s>, 1 attribute key, 2 attribute value, 3 padding.
TYPE_BOS, TYPE_KEY, TYPE_VALUE, TYPE_PAD = 0, 1, 2, 3

PRESETS = {
    "dev-tiny": dict(vocab_size=800, hidden_size=48, num_hidden_layers=2, num_attention_heads=4, intermediate_size=96,
                     attention_window=[4, 12], max_position_embeddings=140, max_item_embeddings=11),
    "dev-small": dict(vocab_size=2000, hidden_size=96, num_hidden_layers=2, num_attention_heads=6, intermediate_size=384,
                      attention_window=[24, 8], max_position_embeddings=300, max_item_embeddings=51),
}
PRESET_SHARED = dict(pad_token_id=1, bos_token_id=0, eos_token_id=2, sep_token_id=2, token_type_size=4, type_vocab_size=1,
                     layer_norm_eps=1e-5, hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                     initializer_range=0.02, temp=0.05, mlm_weight=0.1, pooler_type="cls", max_attr_num=3,
                     max_attr_length=32, max_token_num=1024, item_num=0, finetune_negative_sample_size=0,
                     architectures=["RecformerForPretraining"], model_type="longformer")

GRADIENTS = {  # file name -> parameter; {last} is the last layer's index
    "grad_word_embeddings": "longformer.embeddings.word_embeddings.weight",
    "grad_item_position_embeddings": "longformer.embeddings.item_position_embeddings.weight",
    "grad_layer0_query": "longformer.encoder.layer.0.attention.self.query.weight",
    "grad_layer0_query_global": "longformer.encoder.layer.0.attention.self.query_global.weight",
    "grad_last_layer_output_dense": "longformer.encoder.layer.{last}.output.dense.weight",
    "grad_lm_head_dense": "lm_head.dense.weight",
}
LIGHTNING_PREFIXES = ("_forward_module.model.", "model.")


# ---------------------------------------------------------------- inputs (numpy only)

class Vocabulary:
    """The ids a fixture uses: specials from the config, item tokens drawn from the rest."""

    def __init__(self, config, mask_token_id=None):
        self.size = config["vocab_size"]
        self.pad = config.get("pad_token_id", 1)
        self.bos = config.get("bos_token_id", 0)
        self.eos = config.get("eos_token_id", 2)
        self.mask = self.size - 1 if mask_token_id is None else mask_token_id
        self.special = {self.pad, self.bos, self.eos, self.mask, 3}  # 3 = <unk> in RoBERTa's vocabulary
        self.max_items = config["max_item_embeddings"] - 1
        self.pad_item_position = config["max_item_embeddings"] - 1
        self.max_tokens = config["max_position_embeddings"] - self.pad - 1

    def random_token(self, rng):
        while True:
            t = int(rng.integers(0, self.size))
            if t not in self.special:
                return t


def random_item(rng, vocab, length):
    """One item as (token id, token type) pairs: attributes of key tokens (type 1) then value tokens (type 2)."""
    tokens = []
    while len(tokens) < length:
        key = int(rng.integers(1, 3))
        value = int(rng.integers(1, 5))
        tokens += [(vocab.random_token(rng), TYPE_KEY) for _ in range(key)]
        tokens += [(vocab.random_token(rng), TYPE_VALUE) for _ in range(value)]
    return tokens[:length]


def encode_sequence(items, vocab):
    """<s> (type 0, item position 0) then each item's tokens with item position 1, 2, ... (1 = newest, items given newest first)."""
    if len(items) > vocab.max_items:
        raise ValueError(f"{len(items)} items exceed max_item_embeddings - 1 = {vocab.max_items}")
    ids, types, positions = [vocab.bos], [TYPE_BOS], [0]
    for position, item in enumerate(items, start=1):
        for token, token_type in item:
            ids.append(token)
            types.append(token_type)
            positions.append(position)
    if len(ids) > vocab.max_tokens:
        raise ValueError(f"sequence of {len(ids)} tokens exceeds max_position_embeddings allows ({vocab.max_tokens})")
    return ids, types, positions


def pad_batch(sequences, vocab):
    """Pads to the longest row: input id <pad>, token type 3, item position max_item_embeddings - 1, masks 0."""
    length = max(len(ids) for ids, _, _ in sequences)
    out = {k: [] for k in ("input_ids", "attention_mask", "global_attention_mask", "token_type_ids", "item_position_ids")}
    for ids, types, positions in sequences:
        pad = length - len(ids)
        out["input_ids"].append(ids + [vocab.pad] * pad)
        out["attention_mask"].append([1] * len(ids) + [0] * pad)
        out["global_attention_mask"].append([1] + [0] * (length - 1))
        out["token_type_ids"].append(types + [TYPE_PAD] * pad)
        out["item_position_ids"].append(positions + [vocab.pad_item_position] * pad)
    return out


def mlm_mask(rng, batch, vocab, probability=0.15):
    """Masked ids and labels: of the real non-special tokens ~15% are chosen (at least one per row);
    of those 80% become <mask>, 10% a random token, 10% stay; labels -100 elsewhere."""
    ids = np.array(batch["input_ids"])
    real = (np.array(batch["attention_mask"]) == 1) & ~np.isin(ids, list(vocab.special))
    chosen = real & (rng.random(ids.shape) < probability)
    for r in range(ids.shape[0]):
        if not chosen[r].any() and real[r].any():
            chosen[r, rng.choice(np.flatnonzero(real[r]))] = True
    labels = np.where(chosen, ids, IGNORE_INDEX)
    masked = ids.copy()
    draw = rng.random(ids.shape)
    masked[chosen & (draw < 0.8)] = vocab.mask
    randomized = chosen & (draw >= 0.8) & (draw < 0.9)
    for r, c in zip(*np.nonzero(randomized)):
        masked[r, c] = vocab.random_token(rng)
    return masked.tolist(), labels.tolist()


def build_inputs(config, seed, batch=3, items_per_sequence=(3, 7), item_len=(3, 7), item_table=7, mask_token_id=None):
    """The three input files' contents: batch a (one row shorter), pretraining views and MLM, the seqrec item table."""
    rng = np.random.default_rng(seed)
    vocab = Vocabulary(config, mask_token_id)
    lo, hi = items_per_sequence
    hi = min(hi, vocab.max_items)
    counts = [int(rng.integers(lo, hi + 1)) for _ in range(batch)]
    counts[1 % batch] = max(1, min(counts) - 1)  # one row shorter, so it is padded
    a = pad_batch([encode_sequence([random_item(rng, vocab, int(rng.integers(item_len[0], item_len[1] + 1)))
                                    for _ in range(n)], vocab) for n in counts], vocab)
    b = pad_batch([encode_sequence([random_item(rng, vocab, int(rng.integers(item_len[0], item_len[1] + 2)))], vocab)
                   for _ in range(batch)], vocab)
    mlm_a, labels_a = mlm_mask(rng, a, vocab)
    mlm_b, labels_b = mlm_mask(rng, b, vocab)
    pretrain = {}
    for view, enc, mlm, labels in (("a", a, mlm_a, labels_a), ("b", b, mlm_b, labels_b)):
        for k, v in enc.items():
            pretrain[f"{k}_{view}"] = v
        pretrain[f"mlm_input_ids_{view}"] = mlm
        pretrain[f"mlm_labels_{view}"] = labels
    pretrain["mask_token_id"] = vocab.mask
    table = pad_batch([encode_sequence([random_item(rng, vocab, int(rng.integers(item_len[0], item_len[1] + 2)))], vocab)
                       for _ in range(item_table)], vocab)
    k = min(3, item_table)
    seqrec = {"item_table_inputs": table,
              "labels": [int(x) for x in rng.integers(0, item_table, size=batch)],
              "candidates": [[int(x) for x in rng.permutation(item_table)[:k]] for _ in range(batch)],
              "item_num": item_table}
    return a, pretrain, seqrec


# ---------------------------------------------------------------- files (numpy only)

def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def write_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


SAFETENSORS_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.float16): "F16"}


def write_safetensors(path, tensors, metadata=None):
    """A safetensors file from name -> numpy array (F32, F16, I64), in the given order, header padded to 8 bytes."""
    header, chunks, offset = {}, [], 0
    for name, array in tensors.items():
        a = np.ascontiguousarray(array)
        dtype = SAFETENSORS_DTYPES.get(a.dtype)
        if dtype is None:
            raise ValueError(f"{name}: dtype {a.dtype} not supported")
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header["__metadata__"] = dict({"format": "pt"}, **(metadata or {}))
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def file_entry(path, description, array=None):
    with open(path, "rb") as f:
        data = f.read()
    entry = {"description": description, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if array is not None:
        entry.update(shape=list(np.shape(array)), dtype="float32")
    return entry


def random_weights(named_shapes, seed):
    """The manifest's rule: standard normals in parameter order, 0.05 * z, LayerNorm weights 1 + 0.05 * z, as float32."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in named_shapes:
        z = 0.05 * rng.standard_normal(shape)
        if name.endswith("LayerNorm.weight") or name.endswith("layer_norm.weight"):
            z = 1.0 + z
        out[name] = z.astype(np.float32)
    return out


def preset_config(name):
    return dict(PRESET_SHARED, **PRESETS[name])


# ---------------------------------------------------------------- the reference models (torch)

def reference_classes():
    """The public Recformer classes, restated with what the fixtures need (imports torch and transformers)."""
    import torch
    import torch.nn as nn
    from torch.nn import CrossEntropyLoss
    from transformers.models.longformer.modeling_longformer import (
        LongformerConfig, LongformerEncoder, LongformerLMHead, LongformerPreTrainedModel)

    class RecformerConfig(LongformerConfig):
        def __init__(self, attention_window=64, sep_token_id=2, token_type_size=4, max_token_num=2048,
                     max_item_embeddings=32, max_attr_num=12, max_attr_length=8, pooler_type="cls", temp=0.05,
                     mlm_weight=0.1, item_num=0, finetune_negative_sample_size=0, **kwargs):
            super().__init__(attention_window, sep_token_id, **kwargs)
            self.token_type_size = token_type_size
            self.max_token_num = max_token_num
            self.max_item_embeddings = max_item_embeddings
            self.max_attr_num = max_attr_num
            self.max_attr_length = max_attr_length
            self.pooler_type = pooler_type
            self.temp = temp
            self.mlm_weight = mlm_weight
            self.item_num = item_num
            self.finetune_negative_sample_size = finetune_negative_sample_size

    def create_position_ids_from_input_ids(input_ids, padding_idx):
        mask = input_ids.ne(padding_idx).int()
        return (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + padding_idx

    class RecformerEmbeddings(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
            self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size,
                                                    padding_idx=config.pad_token_id)
            self.token_type_embeddings = nn.Embedding(config.token_type_size, config.hidden_size)
            self.item_position_embeddings = nn.Embedding(config.max_item_embeddings, config.hidden_size)
            self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
            self.dropout = nn.Dropout(config.hidden_dropout_prob)
            self.register_buffer("position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)))
            self.padding_idx = config.pad_token_id

        def forward(self, input_ids, token_type_ids, item_position_ids):
            position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
            x = (self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
                 + self.token_type_embeddings(token_type_ids) + self.item_position_embeddings(item_position_ids))
            return self.dropout(self.LayerNorm(x))

    class RecformerModel(LongformerPreTrainedModel):
        def __init__(self, config):
            super().__init__(config)
            if isinstance(config.attention_window, int):
                config.attention_window = [config.attention_window] * config.num_hidden_layers
            self.embeddings = RecformerEmbeddings(config)
            self.encoder = LongformerEncoder(config)
            self.post_init()

        def pool(self, attention_mask, hidden):
            if self.config.pooler_type == "cls":
                return hidden[:, 0]
            # 'avg' as the public code: weighted by the merged mask (global token counts twice); the mask is
            # cut to the unpadded length (the public code would fail on a shape mismatch when it was padded)
            mask = attention_mask[:, :hidden.shape[1]]
            return (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(-1).unsqueeze(-1)

        def forward(self, input_ids, attention_mask, global_attention_mask, token_type_ids, item_position_ids,
                    output_hidden_states=False):
            input_shape = input_ids.size()
            attention_mask = attention_mask * (global_attention_mask + 1)  # 0 none, 1 local, 2 global
            w = max(self.config.attention_window)
            padding_len = (w - input_shape[1] % w) % w
            if padding_len > 0:
                pad = lambda t, v: nn.functional.pad(t, (0, padding_len), value=v)
                input_ids = pad(input_ids, self.config.pad_token_id)
                item_position_ids = pad(item_position_ids, self.config.pad_token_id)
                attention_mask = pad(attention_mask, 0)
                token_type_ids = pad(token_type_ids, 0)
            extended = self.get_extended_attention_mask(attention_mask, input_shape)[:, 0, 0, :]
            embedding_output = self.embeddings(input_ids, token_type_ids, item_position_ids)
            out = self.encoder(embedding_output, attention_mask=extended, padding_len=padding_len,
                               output_hidden_states=output_hidden_states, return_dict=True)
            hidden = out.last_hidden_state  # the encoder removes the padding again
            return hidden, self.pool(attention_mask, hidden), out.hidden_states

    class Similarity(nn.Module):
        def __init__(self, temp):
            super().__init__()
            self.temp = temp
            self.cos = nn.CosineSimilarity(dim=-1)

        def forward(self, x, y):
            return self.cos(x, y) / self.temp

    class RecformerForPretraining(LongformerPreTrainedModel):
        def __init__(self, config):
            super().__init__(config)
            self.longformer = RecformerModel(config)
            self.lm_head = LongformerLMHead(config)
            self.sim = Similarity(config.temp)
            self.post_init()

        def view(self, kw, suffix, ids_key="input_ids"):
            return self.longformer(kw[ids_key + suffix], kw["attention_mask" + suffix], kw["global_attention_mask" + suffix],
                                   kw["token_type_ids" + suffix], kw["item_position_ids" + suffix])

        def forward(self, **kw):
            """Loss and its parts as the public forward computes them (single process, no all_gather)."""
            _, z1, _ = self.view(kw, "_a")
            _, z2, _ = self.view(kw, "_b")
            cos_sim = self.sim(z1.unsqueeze(1), z2.unsqueeze(0))
            labels = torch.arange(cos_sim.size(0)).long()
            loss_fct = CrossEntropyLoss()
            cl_loss = loss_fct(cos_sim, labels)
            parts = {"cl_loss": cl_loss, "cos_sim": cos_sim, "pooler_a": z1, "pooler_b": z2}
            loss = cl_loss
            for v in ("a", "b"):
                hidden, _, _ = self.view(kw, "_" + v, ids_key="mlm_input_ids")
                scores = self.lm_head(hidden)
                mlm = loss_fct(scores.view(-1, self.config.vocab_size), kw["mlm_labels_" + v].view(-1))
                parts["mlm_loss_" + v] = mlm
                loss = loss + self.config.mlm_weight * mlm
            parts["loss"] = loss
            return parts

    class RecformerForSeqRec(LongformerPreTrainedModel):
        def __init__(self, config):
            super().__init__(config)
            self.longformer = RecformerModel(config)
            self.sim = Similarity(config.temp)
            self.post_init()

        def init_item_embedding(self, embeddings):
            self.item_embedding = nn.Embedding.from_pretrained(embeddings, freeze=True)

        def similarity_score(self, pooler_output, candidates=None):
            if candidates is None:
                candidate_embeddings = self.item_embedding.weight.unsqueeze(0)
            else:
                candidate_embeddings = self.item_embedding(candidates)
            return self.sim(pooler_output.unsqueeze(1), candidate_embeddings)

        def forward(self, batch, candidates=None, labels=None):
            _, pooler_output, _ = self.longformer(**batch)
            if labels is None:
                return self.similarity_score(pooler_output, candidates)
            if self.config.finetune_negative_sample_size > 0:
                raise ValueError("fixtures use the full softmax (finetune_negative_sample_size 0)")
            return CrossEntropyLoss()(self.similarity_score(pooler_output), labels)

    return torch, RecformerConfig, RecformerForPretraining, RecformerForSeqRec


# ---------------------------------------------------------------- weights (torch)

def read_checkpoint(torch, path):
    """A state dict from a folder (model.safetensors or pytorch_model.bin) or a file (.safetensors, torch.save, Lightning .ckpt)."""
    if os.path.isdir(path):
        for name in ("model.safetensors", "pytorch_model.bin"):
            if os.path.isfile(os.path.join(path, name)):
                return read_checkpoint(torch, os.path.join(path, name))
        sys.exit(f"{path}: no model.safetensors or pytorch_model.bin in this folder")
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file
        return load_file(path)
    state = torch.load(path, map_location="cpu")
    for key in ("state_dict", "module"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
    return state


def pretraining_names(state_dict):
    """Checkpoint names as RecformerForPretraining names: Lightning prefixes stripped; a checkpoint without
    'longformer.' names (RecformerModel, LongformerModel) gets them."""
    def strip(k):
        for p in LIGHTNING_PREFIXES:
            if k.startswith(p):
                return k[len(p):]
        return k
    stripped = {strip(k): v for k, v in state_dict.items()}
    if any(k.startswith("longformer.") for k in stripped):
        return stripped
    return {("longformer." + k if k.startswith(("embeddings.", "encoder.")) else k): v for k, v in stripped.items()}


def copy_by_name(torch, model, state_dict):
    """save_longformer_ckpt.py's copy: each tensor into the parameter of the same name (torch copy_ broadcasts,
    so Longformer's 1-row token type table fills every row); returns (missing, unexpected, broadcast)."""
    params = model.state_dict()
    state_dict = pretraining_names(state_dict)
    if "lm_head.decoder.bias" in state_dict and "lm_head.bias" not in state_dict:
        state_dict["lm_head.bias"] = state_dict["lm_head.decoder.bias"]
    if "lm_head.decoder.weight" not in state_dict and "longformer.embeddings.word_embeddings.weight" in state_dict \
            and "lm_head.dense.weight" in state_dict:
        state_dict["lm_head.decoder.weight"] = state_dict["longformer.embeddings.word_embeddings.weight"]  # tied in MaskedLM
    unexpected, broadcast = [], []
    with torch.no_grad():
        for name, value in state_dict.items():
            if name.endswith("position_ids"):
                continue  # a buffer, rebuilt from the config
            if name not in params:
                unexpected.append(name)
                continue
            if params[name].shape != value.shape:
                broadcast.append(f"{name}: {tuple(value.shape)} -> {tuple(params[name].shape)}")
            params[name].copy_(value.to(params[name].dtype))  # raises if the shapes cannot broadcast
    missing = [n for n in params if n not in state_dict and not n.endswith("position_ids")]
    return missing, unexpected, broadcast


# ---------------------------------------------------------------- main

def load_config_dict(args):
    if args.config:
        with open(args.config) as f:
            config = json.load(f)
    elif args.checkpoint:
        folder = args.checkpoint if os.path.isdir(args.checkpoint) else os.path.dirname(os.path.abspath(args.checkpoint))
        path = os.path.join(folder, "config.json")
        if not os.path.isfile(path):
            sys.exit(f"{path}: not found; pass --config FILE")
        with open(path) as f:
            config = json.load(f)
    else:
        config = preset_config(args.preset)
    for key in ("max_item_embeddings", "max_attr_num", "max_attr_length", "token_type_size"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    if args.attention_window is not None:
        config["attention_window"] = [args.attention_window] * config["num_hidden_layers"]
    config.setdefault("max_item_embeddings", 32)  # RecformerConfig's default, for a plain Longformer config
    return config


def tensor_inputs(torch, d, keys):
    return {k: torch.tensor(d[k], dtype=torch.long) for k in keys}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="fixtures folder to write")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--checkpoint", help="HuggingFace folder or checkpoint file (Longformer or Recformer)")
    src.add_argument("--preset", choices=sorted(PRESETS), help="random weights in a preset configuration")
    p.add_argument("--config", help="config.json (default: the checkpoint's; without --checkpoint: random weights in it)")
    p.add_argument("--seed-weights", type=int, default=7101)
    p.add_argument("--seed-data", type=int, default=7201)
    p.add_argument("--mask-token-id", type=int, help="default: vocab_size - 1 (RoBERTa's <mask> is 50264)")
    p.add_argument("--max-item-embeddings", type=int)
    p.add_argument("--max-attr-num", type=int)
    p.add_argument("--max-attr-length", type=int)
    p.add_argument("--token-type-size", type=int)
    p.add_argument("--attention-window", type=int, help="one window for every layer")
    args = p.parse_args(argv)
    if not (args.checkpoint or args.preset or args.config):
        p.error("give --checkpoint, --preset or --config")

    torch, RecformerConfig, RecformerForPretraining, RecformerForSeqRec = reference_classes()
    import transformers
    torch.set_num_threads(1)
    torch.manual_seed(args.seed_weights)
    os.makedirs(args.out, exist_ok=True)
    config_dict = load_config_dict(args)
    config_dict.pop("transformers_version", None)
    config = RecformerConfig(**{k: v for k, v in config_dict.items() if k != "architectures"})
    config.architectures = ["RecformerForPretraining"]
    model = RecformerForPretraining(config)  # HuggingFace init; checkpoint tensors or random weights replace it
    load_notes = {}
    if args.checkpoint:
        missing, unexpected, broadcast = copy_by_name(torch, model, read_checkpoint(torch, args.checkpoint))
        load_notes = {"checkpoint": os.path.abspath(args.checkpoint), "initialized_missing": missing,
                      "ignored_unexpected": unexpected, "broadcast": broadcast}
        print(json.dumps(load_notes, indent=1))
    else:
        named = [(n, tuple(t.shape)) for n, t in model.named_parameters()]
        values = random_weights(named, args.seed_weights)
        with torch.no_grad():
            for n, t in model.named_parameters():
                t.copy_(torch.from_numpy(values[n]))
    model.eval()

    a, pretrain, seqrec = build_inputs(config_dict, args.seed_data, mask_token_id=args.mask_token_id)
    out = args.out
    write_json(os.path.join(out, "inputs.json"), a)
    write_json(os.path.join(out, "pretrain_inputs.json"), pretrain)
    write_json(os.path.join(out, "seqrec_inputs.json"), seqrec)
    batch_keys = ["input_ids", "attention_mask", "global_attention_mask", "token_type_ids", "item_position_ids"]
    batch = tensor_inputs(torch, a, batch_keys)
    arrays = {}

    with torch.no_grad():
        hidden, pooled, states = model.longformer(**batch, output_hidden_states=True)
        arrays["last_hidden_state"] = hidden
        arrays["hidden_states"] = torch.stack(states)
        arrays["pooler_output"] = pooled
        arrays["mlm_logits"] = model.lm_head(hidden)

    model.zero_grad()
    parts = model(**tensor_inputs(torch, pretrain, [k for k in pretrain if k != "mask_token_id"]))
    parts["loss"].backward()
    for name in ("loss", "cl_loss", "mlm_loss_a", "mlm_loss_b"):
        arrays["pretrain_" + name] = parts[name].detach().reshape(1)
    arrays["pretrain_cos_sim"] = parts["cos_sim"]
    arrays["pretrain_pooler_a"] = parts["pooler_a"]
    arrays["pretrain_pooler_b"] = parts["pooler_b"]
    params = dict(model.named_parameters())
    for file, name in GRADIENTS.items():
        arrays[file] = params[name.format(last=config.num_hidden_layers - 1)].grad

    seqrec_config = copy.deepcopy(config)
    seqrec_config.item_num = seqrec["item_num"]
    seqrec_model = RecformerForSeqRec(seqrec_config)
    seqrec_model.longformer.load_state_dict(model.longformer.state_dict())
    seqrec_model.eval()
    with torch.no_grad():
        _, table, _ = seqrec_model.longformer(**tensor_inputs(torch, seqrec["item_table_inputs"], batch_keys))
        seqrec_model.init_item_embedding(table)
        arrays["seqrec_item_embeddings"] = table
        arrays["seqrec_scores"] = seqrec_model(batch)
        arrays["seqrec_candidate_scores"] = seqrec_model(batch, candidates=torch.tensor(seqrec["candidates"]))
        arrays["seqrec_loss"] = seqrec_model(batch, labels=torch.tensor(seqrec["labels"])).reshape(1)

    files = {}
    for name, t in arrays.items():
        array = t.detach().cpu().numpy().astype(np.float32)
        path = os.path.join(out, name + ".npy")
        write_npy(path, array)
        files[name + ".npy"] = file_entry(path, name, array)
    state = {k: v.detach().clone().contiguous().numpy() for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(out, "model.safetensors"), state)
    torch.save(model.state_dict(), os.path.join(out, "pytorch_model.bin"))
    config.to_json_file(os.path.join(out, "config.json"), use_diff=False)
    for name, description in (("model.safetensors", "RecformerForPretraining state dict, safetensors"),
                              ("pytorch_model.bin", "the same state dict, torch.save"),
                              ("config.json", "RecformerConfig"), ("inputs.json", "batch a"),
                              ("pretrain_inputs.json", "RecformerForPretraining inputs"),
                              ("seqrec_inputs.json", "item table inputs, labels, candidates")):
        files[name] = file_entry(os.path.join(out, name), description)
    manifest = {"generator": "tools/make_parity_fixtures.py", "torch": torch.__version__,
                "transformers": transformers.__version__, "numpy": np.__version__, "threads": 1,
                "mode": "model.eval() everywhere (dropout off), float32, CPU",
                "weights": load_notes or {"random": "numpy default_rng(seed) standard_normal per parameter, 0.05*z, "
                                                     "LayerNorm weights 1+0.05*z", "seed": args.seed_weights},
                "seed_data": args.seed_data, "mask_token_id": pretrain["mask_token_id"], "files": files}
    write_json(os.path.join(out, "manifest.json"), manifest)
    print(f"wrote {len(files)} files to {out}; check with: java -jar target/recformer.jar parity --fixtures {out}")


if __name__ == "__main__":
    main()
