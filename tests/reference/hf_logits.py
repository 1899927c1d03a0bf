#!/usr/bin/env python3
"""Reference logits for Hugging Face model folders, in plain PyTorch.

An independent check of the C++ models (core/model/hf/): written from the formulas of
transformers' GPT2Model, LlamaModel (grouped-query attention, Llama 3.1 rope scaling after
Meta's apply_scaling), Qwen2 (q/k/v biases) and Qwen3 (per-head q/k RMSNorm, explicit
head_dim), without the transformers package, and reading safetensors with a reader of its
own. Everything is computed in float32 whatever the stored dtype.

usage: hf_logits.py --ids '[[1,2,3],[4,5,6]]' MODEL_DIR OUT_FILE [MODEL_DIR OUT_FILE ...]

Each OUT_FILE receives the logits [B, T, V] as raw little-endian float32; one JSON line per
model on stdout gives the shape. Several models in one run pay for `import torch` once.
"""
import argparse
import json
import math
import os
import struct
import sys

import torch

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        raw = bytearray(data[base + begin:base + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"]).to(torch.float32)
    return tensors


def read_weights(folder):
    single = os.path.join(folder, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    with open(os.path.join(folder, "model.safetensors.index.json")) as f:
        index = json.load(f)
    weights = {}
    for shard in sorted(set(index["weight_map"].values())):
        weights.update(read_safetensors(os.path.join(folder, shard)))
    return weights


class Weights:
    """Looks tensors up and remembers which were used, so unused ones are noticed."""

    def __init__(self, tensors, prefix=""):
        self.tensors, self.prefix, self.used = tensors, prefix, set()

    def __call__(self, name):
        full = self.prefix + name
        self.used.add(full)
        return self.tensors[full]

    def has(self, name):
        return self.prefix + name in self.tensors


def causal_softmax_attention(q, k, v):
    """q [B, H, T, D], k/v [B, H, T, D]: softmax(q k^T / sqrt(D) + causal mask) v."""
    t, d = q.shape[2], q.shape[3]
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    future = torch.ones(t, t, dtype=torch.bool).triu(1)
    scores = scores.masked_fill(future, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1) @ v


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def act(name, x):
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return gelu_new(x)
    if name == "gelu":
        return torch.nn.functional.gelu(x)
    if name == "relu":
        return torch.relu(x)
    if name == "silu":
        return x * torch.sigmoid(x)
    raise ValueError("activation " + name)


def gpt2_logits(cfg, tensors, ids):
    # The original gpt2 files have no "transformer." prefix; newer saves have it.
    w = Weights(tensors, "" if "wte.weight" in tensors else "transformer.")
    c, heads, eps = cfg["n_embd"], cfg["n_head"], cfg.get("layer_norm_epsilon", 1e-5)
    b, t = ids.shape
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (c,), w(p + ".weight"), w(p + ".bias"), eps)
    conv1d = lambda x, p: x @ w(p + ".weight") + w(p + ".bias")  # Conv1D: weight is [in, out]
    x = w("wte.weight")[ids] + w("wpe.weight")[torch.arange(t)]
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        q, k, v = conv1d(ln(x, p + "ln_1"), p + "attn.c_attn").split(c, dim=2)
        q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
        y = causal_softmax_attention(q, k, v).transpose(1, 2).reshape(b, t, c)
        x = x + conv1d(y, p + "attn.c_proj")
        h = act(cfg.get("activation_function", "gelu_new"), conv1d(ln(x, p + "ln_2"), p + "mlp.c_fc"))
        x = x + conv1d(h, p + "mlp.c_proj")
    x = ln(x, "ln_f")
    if cfg.get("tie_word_embeddings", True):
        head = w("wte.weight")
    else:
        w.prefix = ""
        head = w("lm_head.weight")
    ignored = {n for n in tensors if n.endswith(".attn.bias") or n.endswith(".attn.masked_bias")}
    return x @ head.t(), set(tensors) - w.used - ignored


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def inverse_frequencies(cfg, dim):
    base = cfg.get("rope_theta", 10000.0)
    freqs = [1.0 / (base ** (i / dim)) for i in range(0, dim, 2)]
    scaling = cfg.get("rope_scaling")
    if scaling and scaling.get("rope_type", scaling.get("type")) == "llama3":
        # Meta's apply_scaling (llama3 reference code), element by element.
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old_context = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old_context / low, old_context / high
        scaled = []
        for f in freqs:
            wavelen = 2 * math.pi / f
            if wavelen < high_wavelen:
                scaled.append(f)
            elif wavelen > low_wavelen:
                scaled.append(f / factor)
            else:
                smooth = (old_context / wavelen - low) / (high - low)
                scaled.append((1 - smooth) * f / factor + smooth * f)
        freqs = scaled
    return torch.tensor(freqs, dtype=torch.float32)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def decoder_logits(cfg, tensors, ids):
    family = cfg["model_type"]
    w = Weights(tensors)
    hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads") or heads
    head_dim = cfg.get("head_dim") or hidden // heads
    eps = cfg.get("rms_norm_eps", 1e-6)
    qkv_bias = True if family == "qwen2" else cfg.get("attention_bias", False)
    o_bias = False if family == "qwen2" else cfg.get("attention_bias", False)
    mlp_bias = cfg.get("mlp_bias", False) if family == "llama" else False
    b, t = ids.shape

    def linear(x, p, bias):
        y = x @ w(p + ".weight").t()
        return y + w(p + ".bias") if bias else y

    freqs = torch.arange(t, dtype=torch.float32)[:, None] * inverse_frequencies(cfg, head_dim)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()  # [T, D], broadcast over [B, H, T, D]

    x = w("model.embed_tokens.weight")[ids]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, w(p + "input_layernorm.weight"), eps)
        q = linear(h, p + "self_attn.q_proj", qkv_bias).view(b, t, heads, head_dim)
        k = linear(h, p + "self_attn.k_proj", qkv_bias).view(b, t, kv_heads, head_dim)
        v = linear(h, p + "self_attn.v_proj", qkv_bias).view(b, t, kv_heads, head_dim)
        if family == "qwen3":
            q = rms_norm(q, w(p + "self_attn.q_norm.weight"), eps)
            k = rms_norm(k, w(p + "self_attn.k_norm.weight"), eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # repeat_kv: each K/V head serves heads / kv_heads consecutive query heads.
        groups = heads // kv_heads
        k = k[:, :, None].expand(b, kv_heads, groups, t, head_dim).reshape(b, heads, t, head_dim)
        v = v[:, :, None].expand(b, kv_heads, groups, t, head_dim).reshape(b, heads, t, head_dim)
        y = causal_softmax_attention(q, k, v).transpose(1, 2).reshape(b, t, heads * head_dim)
        x = x + linear(y, p + "self_attn.o_proj", o_bias)
        h = rms_norm(x, w(p + "post_attention_layernorm.weight"), eps)
        gate = linear(h, p + "mlp.gate_proj", mlp_bias)
        x = x + linear(act("silu", gate) * linear(h, p + "mlp.up_proj", mlp_bias), p + "mlp.down_proj", mlp_bias)
    x = rms_norm(x, w("model.norm.weight"), eps)
    head = w("model.embed_tokens.weight") if cfg.get("tie_word_embeddings", False) else w("lm_head.weight")
    ignored = {n for n in tensors if n.endswith("rotary_emb.inv_freq") or n == "lm_head.weight"}
    return x @ head.t(), set(tensors) - w.used - ignored


def logits_for(folder, ids):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    tensors = read_weights(folder)
    family = cfg.get("model_type")
    if family == "gpt2":
        logits, unused = gpt2_logits(cfg, tensors, ids)
    elif family in ("llama", "qwen2", "qwen3"):
        logits, unused = decoder_logits(cfg, tensors, ids)
    else:
        raise SystemExit("unsupported model_type %r" % family)
    if unused:
        raise SystemExit("%s: tensors the model did not use: %s" % (folder, sorted(unused)))
    return logits


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ids", required=True, help="token ids as a JSON list of equal-length lists")
    parser.add_argument("pairs", nargs="+", help="MODEL_DIR OUT_FILE pairs")
    args = parser.parse_args()
    if len(args.pairs) % 2:
        parser.error("expected MODEL_DIR OUT_FILE pairs")
    ids = torch.tensor(json.loads(args.ids), dtype=torch.long)
    torch.set_grad_enabled(False)
    for folder, out in zip(args.pairs[0::2], args.pairs[1::2]):
        logits = logits_for(folder, ids).contiguous()
        with open(out, "wb") as f:
            f.write(logits.numpy().astype("<f4").tobytes())
        print(json.dumps({"model": folder, "out": out, "shape": list(logits.shape)}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
