#!/usr/bin/env python3
"""PyTorch reference timings for tools/gpu-check.sh, on the same GPU and shapes as CudaBench.

1. HuggingFace LongformerSelfAttention (the chunked sliding-window implementation), forward and
   forward+backward: batch 16, 12 heads, head 64 (hidden 768), 1024 tokens, attention_window 64
   (one-sided 32), token 0 of each row global, FP32 (TF32 off).
2. A Recformer-like pretraining step: HuggingFace LongformerForMaskedLM at base size (vocab 50265,
   12 layers, max positions 1026, 4 token types) on view a (4 x 512 tokens) and view b (4 x 64),
   MLM loss on 15% of tokens of both views plus the contrastive loss between the two views' first
   tokens (cosine / 0.05), backward, torch.optim.AdamW. Recformer adds item-position embeddings,
   which cost nothing measurable; everything else matches the Java step in CudaBench.

Prints lines `RESULT name value unit`. Usage: python3 tools/torch_attention_bench.py [attention] [train]
"""
import sys
import time

import torch


def result(name, value, unit):
    print(f"RESULT {name} {value:.3f} {unit}", flush=True)


def timed(fn, warm, reps):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / reps


def attention():
    from transformers import LongformerConfig
    from transformers.models.longformer.modeling_longformer import LongformerSelfAttention

    batch, heads, head_dim, seq = 16, 12, 64, 1024
    config = LongformerConfig(hidden_size=heads * head_dim, num_attention_heads=heads, attention_window=[64],
                              attention_probs_dropout_prob=0.0)
    layer = LongformerSelfAttention(config, layer_id=0).cuda()
    x = torch.randn(batch, seq, heads * head_dim, device="cuda", requires_grad=True)
    mask = torch.zeros(batch, seq, device="cuda")
    mask[:, 0] = 10000.0  # global token (the encoder's convention: > 0 global, < 0 padding, 0 local)
    is_index_masked = mask < 0
    is_index_global_attn = mask > 0
    grad = torch.randn(batch, seq, heads * head_dim, device="cuda")

    def forward():
        return layer(x, attention_mask=mask, is_index_masked=is_index_masked,
                     is_index_global_attn=is_index_global_attn, is_global_attn=True)[0]

    def forward_backward():
        forward().backward(grad)

    with torch.no_grad():
        f = timed(forward, 3, 20)
    fb = timed(forward_backward, 3, 20)
    result("torch_attention_forward_ms", f * 1e3, "ms")
    result("torch_attention_fwd_bwd_ms", fb * 1e3, "ms")


def train_step():
    from transformers import LongformerConfig, LongformerForMaskedLM

    config = LongformerConfig(vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                              intermediate_size=3072, max_position_embeddings=1026, attention_window=[64] * 12,
                              type_vocab_size=4, pad_token_id=1)
    model = LongformerForMaskedLM(config).cuda().train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    g = torch.Generator(device="cuda").manual_seed(3)

    def view(batch, seq):
        ids = torch.randint(3, config.vocab_size, (batch, seq), device="cuda", generator=g)
        ids[:, 0] = 0
        types = torch.randint(1, 4, (batch, seq), device="cuda", generator=g)
        types[:, 0] = 0
        global_mask = torch.zeros(batch, seq, dtype=torch.long, device="cuda")
        global_mask[:, 0] = 1
        labels = torch.where(torch.rand(batch, seq, device="cuda", generator=g) < 0.15, ids, torch.full_like(ids, -100))
        return ids, types, global_mask, labels

    a, b = view(4, 512), view(4, 64)

    def step():
        opt.zero_grad(set_to_none=True)
        outs = [model(input_ids=ids, token_type_ids=types, attention_mask=torch.ones_like(ids),
                      global_attention_mask=gm, labels=labels, output_hidden_states=True) for ids, types, gm, labels in (a, b)]
        ca = outs[0].hidden_states[-1][:, 0]
        cb = outs[1].hidden_states[-1][:, 0]
        sim = torch.nn.functional.cosine_similarity(ca[:, None], cb[None, :], dim=-1) / 0.05
        contrastive = torch.nn.functional.cross_entropy(sim, torch.arange(sim.shape[0], device="cuda"))
        loss = contrastive + 0.1 * (outs[0].loss + outs[1].loss)
        loss.backward()
        opt.step()

    result("torch_train_step_ms", timed(step, 1, 5) * 1e3, "ms")


def main():
    if not torch.cuda.is_available():
        print("torch: no CUDA device; skipping", flush=True)
        return
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}", flush=True)
    which = sys.argv[1:] or ["attention", "train"]
    if "attention" in which:
        attention()
    if "train" in which:
        train_step()


if __name__ == "__main__":
    main()
