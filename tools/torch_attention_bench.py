#!/usr/bin/env python3
"""PyTorch's Longformer attention timed for tools/gpu-check.sh, beside `CudaBench` (our fused kernel).

HuggingFace LongformerSelfAttention (the chunked sliding-window implementation; --attention hf) or,
where `transformers` is absent, the same computation in plain PyTorch (--attention chunked:
tools/torch_recformer.py's SelfAttention), FP32 (TF32 off), forward and forward+backward, by default
at the issue's base shapes: batch 16, 12 heads, head 64 (hidden 768), 1024 tokens, attention_window
64 (one-sided 32), token 0 of each row global, no dropout.

The layer includes its projections (query, key, value, key_global, value_global over every token;
query_global over the global tokens), which our kernel does not: those five linear layers are timed
alone too, and the attention result is the layer's time less theirs.

Prints lines `RESULT name value unit`. Usage:
  python3 tools/torch_attention_bench.py [--attention hf|chunked] [--device cuda|cpu]
         [--batch 16 --seq 1024 --heads 12 --head-dim 64 --window 64] [--warmup 3 --reps 20]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_recformer as tr  # noqa: E402  (the sibling module)


def result(name, value, unit):
    print(f"RESULT {name} {value:.3f} {unit}", flush=True)


def attention_layer(kind, heads, head_dim, window):
    """(module, call(x, mask)) for one Longformer self-attention layer; mask < 0 padding, 0 local, > 0 global."""
    if kind == "hf":
        hf = tr.transformers_longformer()
        config = hf.LongformerConfig(hidden_size=heads * head_dim, num_attention_heads=heads, attention_window=[window],
                                     attention_probs_dropout_prob=0.0)
        layer = hf.LongformerSelfAttention(config, layer_id=0)

        def call(x, mask):
            return layer(x, attention_mask=mask, is_index_masked=mask < 0, is_index_global_attn=mask > 0,
                         is_global_attn=True)[0]
        return layer, call
    c = tr.Config(vocab=1, hidden=heads * head_dim, layers=1, heads=heads, intermediate=1, windows=window,
                  max_positions=1, max_items=1)
    layer = tr.SelfAttention(c, window, "chunked")
    return layer, layer


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--attention", choices=["hf", "chunked"], default="hf")
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=1024)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--window", type=int, default=64, help="attention_window, both sides together")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--reps", type=int, default=20)
    args = p.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: torch sees no CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    hidden = args.heads * args.head_dim
    torch.manual_seed(0)
    module, call = attention_layer(args.attention, args.heads, args.head_dim, args.window)
    module.to(args.device)
    x = torch.randn(args.batch, args.seq, hidden, device=args.device, requires_grad=True)
    mask = torch.zeros(args.batch, args.seq, device=args.device)
    mask[:, 0] = 10000.0  # one global token per row (HF's extended-mask convention)
    grad = torch.randn(args.batch, args.seq, hidden, device=args.device)
    projections = [module.query, module.key, module.value, module.key_global, module.value_global]
    print(f"torch {torch.__version__}, attention {args.attention}, {args.device}: batch {args.batch} x {args.seq} tokens, "
          f"{args.heads} heads of {args.head_dim}, attention_window {args.window}", flush=True)

    def project():
        return sum(f(x).sum() for f in projections)

    def forward_backward():
        call(x, mask).backward(grad)

    with torch.no_grad():
        layer_forward = tr.timed(lambda: call(x, mask), args.warmup, args.reps, args.device)
        projection_forward = tr.timed(project, args.warmup, args.reps, args.device)
    layer_both = tr.timed(forward_backward, args.warmup, args.reps, args.device)
    projection_both = tr.timed(lambda: project().backward(), args.warmup, args.reps, args.device)
    result("torch_attention_layer_forward_ms", layer_forward * 1e3, "ms")
    result("torch_attention_layer_fwd_bwd_ms", layer_both * 1e3, "ms")
    result("torch_projections_forward_ms", projection_forward * 1e3, "ms")
    result("torch_projections_fwd_bwd_ms", projection_both * 1e3, "ms")
    result("torch_attention_forward_ms", (layer_forward - projection_forward) * 1e3, "ms")
    result("torch_attention_fwd_bwd_ms", (layer_both - projection_both) * 1e3, "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
