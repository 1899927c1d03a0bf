#!/usr/bin/env python3
"""The PyTorch side of bench/hf_train/run.py: the same model shape, data, optimiser and
timing as inoculab_hf_train_bench (bench/hf_train/hf_train_bench.cpp), one JSON object on
stdout with the same fields.

--impl plain (default): GPT-2 and Qwen2 written plainly as nn.Modules from the formulas of
tests/reference/hf_logits.py (its rotate_half and inverse_frequencies are imported), the way
a PyTorch user writes them: nn.Linear projections, F.scaled_dot_product_attention (causal)
where torch has it (2.0 on; the explicit softmax otherwise), tanh GELU, RMSNorm in fp32 as
transformers does, logits tied to the embedding. LoRA is a wrapper around a frozen nn.Linear.
--impl transformers: GPT2LMHeadModel / Qwen2ForCausalLM from transformers, built from the
same config.json with random weights (SDPA attention), when that package is installed.

What matches the C++ side:
  - weights: linear and embedding weights N(0, 0.02), biases 0, norms 1 (model::hf::
    buildHfModel); full finetuning trains fp32 weights under bf16 autocast on CUDA; LoRA on
    CUDA holds the frozen base in bf16 and the adapters (A Kaiming-uniform, B zero,
    scale alpha / r) in fp32, on every projection (GPT-2: c_attn, c_proj, c_fc; Qwen2: q, k,
    v, o, gate, up, down);
  - data: rows of seq + 1 random ids in [0, vocab), inputs ids[:-1], targets ids[1:], every
    target trained; each step's batch is built on the CPU and copied to the device;
  - loss: logits cast to fp32, summed cross-entropy divided by the trained targets, .item();
  - optimiser: AdamW, betas (0.9, 0.95), eps 1e-8, weight decay 0.1 on trainable tensors of
    2 or more dimensions, 0 on the rest; gradients set to None; clip_grad_norm_ 1.0, read back
    as a float; the cosine rate (no warmup, to 0.1x of --lr) set each step. torch's own
    defaults otherwise (on CUDA that is the multi-tensor "foreach" AdamW and clipping, which
    libtorch's C++ AdamW does not have; --foreach off turns it off);
  - timing: CUDA synchronised, clock started after --warmup steps and stopped after --steps;
  - FLOPs: the convention written at the top of hf_train_bench.cpp.

usage: hf_train_peer.py --config gpt2-124m --method full --device cuda [--batch 8 --seq 1024 ...]
"""
import argparse
import contextlib
import inspect
import json
import math
import os
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    sys.exit("hf_train_peer.py needs PyTorch for %s: %s" % (sys.executable, e))

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
from hf_logits import inverse_frequencies, rotate_half  # noqa: E402

HAVE_SDPA = hasattr(F, "scaled_dot_product_attention")


def config_path(name):
    if os.path.isfile(name):
        return name
    named = os.path.join(HERE, "configs", name + ".json")
    if os.path.isfile(named):
        return named
    sys.exit("--config %s: neither a file nor a name of %s/*.json" % (name, os.path.join(HERE, "configs")))


def causal_attention(q, k, v):
    """q, k, v [B, H, T, D] -> [B, H, T, D], causal."""
    if HAVE_SDPA:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    t, d = q.shape[2], q.shape[3]  # hf_logits.causal_softmax_attention, on q's device
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    future = torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1)
    return torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1) @ v


class LoraLinear(nn.Module):
    """base(x) + scale * B(A(x)), base frozen; A, B fp32 (PEFT's default on a half base)."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base, self.scale = base, alpha / rank
        for p in base.parameters():
            p.requires_grad_(False)
        dtype = torch.float32 if base.weight.dtype in (torch.bfloat16, torch.float16) else base.weight.dtype
        self.lora_A = nn.Linear(base.in_features, rank, bias=False).to(base.weight.device, dtype)
        self.lora_B = nn.Linear(rank, base.out_features, bias=False).to(base.weight.device, dtype)
        with torch.no_grad():
            nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
            self.lora_B.weight.zero_()

    def forward(self, x):
        y = self.base(x)
        delta = self.lora_B(self.lora_A(x.to(self.lora_A.weight.dtype))) * self.scale
        return y + delta.to(y.dtype)


# ---- GPT-2 (hf_logits.gpt2_logits as modules) ----

class Gpt2Block(nn.Module):
    def __init__(self, c, heads, inner, eps):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(c, eps=eps)
        self.c_attn = nn.Linear(c, 3 * c)
        self.c_proj = nn.Linear(c, c)
        self.ln_2 = nn.LayerNorm(c, eps=eps)
        self.c_fc = nn.Linear(c, inner)
        self.mlp_c_proj = nn.Linear(inner, c)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        x = x + self.c_proj(causal_attention(q, k, v).transpose(1, 2).reshape(b, t, c))
        return x + self.mlp_c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt2(nn.Module):
    lora_targets = ("c_attn", "c_proj", "c_fc", "mlp_c_proj")  # c_proj of attention and MLP

    def __init__(self, cfg):
        super().__init__()
        c = cfg["n_embd"]
        self.wte = nn.Embedding(cfg["vocab_size"], c)
        self.wpe = nn.Embedding(cfg["n_positions"], c)
        self.h = nn.ModuleList([Gpt2Block(c, cfg["n_head"], cfg.get("n_inner") or 4 * c,
                                          cfg.get("layer_norm_epsilon", 1e-5)) for _ in range(cfg["n_layer"])])
        self.ln_f = nn.LayerNorm(c, eps=cfg.get("layer_norm_epsilon", 1e-5))
        self.embedding_tables = (self.wte.weight, self.wpe.weight)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1], device=ids.device))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.t()


# ---- Qwen2 (hf_logits.decoder_logits as modules) ----

class RmsNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps, self.weight = eps, nn.Parameter(torch.ones(dim))

    def forward(self, x):
        h = x.float()  # in fp32, as transformers' Qwen2RMSNorm
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(x.dtype)


class Qwen2Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        hidden, inter, eps = cfg["hidden_size"], cfg["intermediate_size"], cfg.get("rms_norm_eps", 1e-6)
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads") or self.heads
        self.head_dim = cfg.get("head_dim") or hidden // self.heads
        self.input_layernorm = RmsNorm(hidden, eps)
        self.q_proj = nn.Linear(hidden, self.heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=True)
        self.v_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=True)
        self.o_proj = nn.Linear(self.heads * self.head_dim, hidden, bias=False)
        self.post_attention_layernorm = RmsNorm(hidden, eps)
        self.gate_proj = nn.Linear(hidden, inter, bias=False)
        self.up_proj = nn.Linear(hidden, inter, bias=False)
        self.down_proj = nn.Linear(inter, hidden, bias=False)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(h).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(h).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads  # transformers' repeat_kv
        if groups > 1:
            k = k[:, :, None].expand(b, self.kv_heads, groups, t, self.head_dim).reshape(b, self.heads, t, self.head_dim)
            v = v[:, :, None].expand(b, self.kv_heads, groups, t, self.head_dim).reshape(b, self.heads, t, self.head_dim)
        y = causal_attention(q, k, v).transpose(1, 2).reshape(b, t, self.heads * self.head_dim)
        x = x + self.o_proj(y)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Qwen2(nn.Module):
    lora_targets = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")

    def __init__(self, cfg):
        super().__init__()
        if not cfg.get("tie_word_embeddings", False):
            sys.exit("the plain Qwen2 peer ties lm_head to the embedding; this config does not")
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([Qwen2Layer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = RmsNorm(cfg["hidden_size"], cfg.get("rms_norm_eps", 1e-6))
        head_dim = self.layers[0].head_dim
        self.register_buffer("inv_freq", inverse_frequencies(cfg, head_dim), persistent=False)
        self.embedding_tables = (self.embed_tokens.weight,)

    def forward(self, ids):
        t = ids.shape[1]
        freqs = torch.arange(t, device=ids.device, dtype=torch.float32)[:, None] * self.inv_freq.float()[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        x = self.embed_tokens(ids)
        # [T, D] in the hidden states' dtype, as transformers' rotary embedding returns them
        # (and as the engine's Rotary::cosSin).
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.norm(x) @ self.embed_tokens.weight.t()


def init_like_hf(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.normal_(0.0, 0.02)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.normal_(0.0, 0.02)


def add_lora(model, targets, rank, alpha):
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if name in targets and isinstance(child, nn.Linear):
                setattr(module, name, LoraLinear(child, rank, alpha))
    for n, p in model.named_parameters():
        p.requires_grad_(".lora_A." in n or ".lora_B." in n)


def build_plain(cfg):
    family = cfg.get("model_type")
    if family == "gpt2":
        return Gpt2(cfg)
    if family == "qwen2":
        return Qwen2(cfg)
    sys.exit("the plain peer knows gpt2 and qwen2, not %r" % family)


class TransformersLm(nn.Module):
    """transformers' model returning logits only, so the loop is the same."""

    def __init__(self, cfg):
        super().__init__()
        try:
            import transformers
        except ImportError as e:
            sys.exit("--impl transformers: %s" % e)
        config = transformers.AutoConfig.for_model(**cfg)
        kwargs = {}
        if "attn_implementation" in inspect.signature(transformers.AutoModelForCausalLM.from_config).parameters:
            kwargs["attn_implementation"] = "sdpa"
        self.lm = transformers.AutoModelForCausalLM.from_config(config, **kwargs)
        self.version = transformers.__version__
        family = cfg["model_type"]
        self.lora_targets = Gpt2.lora_targets if family == "gpt2" else Qwen2.lora_targets
        emb = self.lm.get_input_embeddings().weight
        pos = getattr(getattr(self.lm, "transformer", None), "wpe", None)
        self.embedding_tables = (emb,) + ((pos.weight,) if pos is not None else ())

    def forward(self, ids):
        return self.lm(input_ids=ids, use_cache=False).logits


def add_lora_transformers(model, rank, alpha):
    # transformers' GPT-2 uses Conv1D (weight [in, out]); wrap it as an equivalent Linear view.
    lm = model.lm
    targets = set(model.lora_targets) | {"c_proj"}
    for module in list(lm.modules()):
        for name, child in list(module.named_children()):
            if name not in targets:
                continue
            if isinstance(child, nn.Linear):
                setattr(module, name, LoraLinear(child, rank, alpha))
            elif type(child).__name__ == "Conv1D":
                linear = nn.Linear(child.weight.shape[0], child.weight.shape[1]).to(child.weight.device,
                                                                                   child.weight.dtype)
                with torch.no_grad():
                    linear.weight.copy_(child.weight.t())
                    linear.bias.copy_(child.bias)
                setattr(module, name, LoraLinear(linear, rank, alpha))
    for n, p in model.named_parameters():
        p.requires_grad_(".lora_A." in n or ".lora_B." in n)


def cosine_lr(step, total, peak, final_ratio=0.1):
    """train::learningRateAt, cosine, no warmup."""
    progress = min(max(step / max(1, total - 1), 0.0), 1.0)
    low = peak * final_ratio
    return low + 0.5 * (peak - low) * (1.0 + math.cos(math.pi * progress))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="gpt2-124m")
    p.add_argument("--method", choices=("full", "lora"), default="full")
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    p.add_argument("--impl", choices=("plain", "transformers"), default="plain")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=1024)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--lora-rank", type=int, default=16)
    p.add_argument("--lora-alpha", type=float, default=32.0)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--peak-tflops", type=float, default=989.0)
    p.add_argument("--foreach", choices=("default", "off"), default="default",
                   help="AdamW and clipping: torch's default (multi-tensor on CUDA) or one tensor at a time")
    args = p.parse_args()
    if min(args.warmup, args.steps, args.batch, args.seq) < 1:
        sys.exit("--warmup, --steps, --batch and --seq must be at least 1")
    cuda = args.device == "cuda"
    if cuda and not torch.cuda.is_available():
        sys.stderr.write("hf_train_peer.py: --device cuda, but torch %s sees no CUDA device "
                         "(torch.version.cuda = %s)\n" % (torch.__version__, torch.version.cuda))
        sys.exit(3)
    device = torch.device("cuda:0" if cuda else "cpu")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    path = config_path(args.config)
    with open(path) as f:
        cfg = json.load(f)
    family = cfg.get("model_type")
    vocab = cfg["vocab_size"]
    hidden = cfg["n_embd"] if family == "gpt2" else cfg["hidden_size"]
    layers = cfg["n_layer"] if family == "gpt2" else cfg["num_hidden_layers"]
    heads = cfg["n_head"] if family == "gpt2" else cfg["num_attention_heads"]
    head_dim = hidden // heads if family == "gpt2" else (cfg.get("head_dim") or hidden // heads)
    context = cfg["n_positions"] if family == "gpt2" else cfg["max_position_embeddings"]
    if args.seq > context:
        sys.exit("--seq %d is longer than the model's context of %d" % (args.seq, context))

    if args.impl == "plain":
        model = build_plain(cfg)
        init_like_hf(model)
    else:
        model = TransformersLm(cfg)
        init_like_hf(model)
    parameters = sum(p.numel() for p in model.parameters())
    tables = sum(t.numel() for t in model.embedding_tables)
    matmul_parameters = parameters - tables + vocab * hidden  # both shapes here are tied

    lora = args.method == "lora"
    if lora:
        if cuda:
            model.to(torch.bfloat16)  # the frozen base in bf16, as the C++ side
        model.to(device)
        if args.impl == "plain":
            add_lora(model, model.lora_targets, args.lora_rank, args.lora_alpha)
        else:
            add_lora_transformers(model, args.lora_rank, args.lora_alpha)
    model.to(device)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    attention = 12.0 * layers * heads * head_dim * args.seq
    if lora:
        flops_per_token = 4.0 * matmul_parameters + 6.0 * trainable + attention
    else:
        flops_per_token = 6.0 * matmul_parameters + attention

    rows = max(2 * args.batch, 64)
    data = torch.randint(0, vocab, (rows, args.seq + 1), generator=torch.Generator().manual_seed(0))
    order = torch.randperm(rows, generator=torch.Generator().manual_seed(0)).tolist()

    params = [q for q in model.parameters() if q.requires_grad]
    decay = [q for q in params if q.dim() >= 2]
    no_decay = [q for q in params if q.dim() < 2]
    options = dict(lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    clip_kwargs = {}
    if args.foreach == "off":
        if "foreach" in inspect.signature(torch.optim.AdamW).parameters:
            options["foreach"] = False
        if "foreach" in inspect.signature(torch.nn.utils.clip_grad_norm_).parameters:
            clip_kwargs["foreach"] = False
    groups = [{"params": decay, "weight_decay": 0.1}]
    if no_decay:  # LoRA adapters are all matrices
        groups.append({"params": no_decay, "weight_decay": 0.0})
    optimizer = torch.optim.AdamW(groups, **options)

    total = args.warmup + args.steps
    model.train()
    start, loss_value = None, 0.0
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    for step in range(total):
        for group in optimizer.param_groups:
            group["lr"] = cosine_lr(step, total, args.lr)
        optimizer.zero_grad(set_to_none=True)
        idx = [order[(step * args.batch + i) % rows] for i in range(args.batch)]
        batch = data[idx].to(device)
        inputs, targets = batch[:, :-1], batch[:, 1:]
        with torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext():
            logits = model(inputs)
            b, t = inputs.shape
            loss = F.cross_entropy(logits.reshape(b * t, -1).float(), targets.reshape(b * t),
                                   ignore_index=-100, reduction="sum") / float(b * t)
        loss.backward()
        loss_value = loss.item()
        grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, **clip_kwargs))
        if not (math.isfinite(loss_value) and math.isfinite(grad_norm)):
            sys.exit("step %d: loss or gradient norm is not finite" % (step + 1))
        optimizer.step()
        if step + 1 == args.warmup:
            if cuda:
                torch.cuda.synchronize(device)
            start = time.perf_counter()
    if cuda:
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    tokens_per_s = args.steps * args.batch * args.seq / seconds
    flops = tokens_per_s * flops_per_token

    foreach_used = options.get("foreach", "torch default (%s)" % ("multi-tensor" if cuda else "per-tensor"))
    out = {
        "impl": "pytorch-" + args.impl,
        "torch_version": torch.__version__,
        "config": os.path.basename(path),
        "family": family,
        "method": args.method,
        "device": args.device,
        "dtype": ("bf16 frozen base, fp32 adapters, bf16 autocast" if lora else "fp32 weights, bf16 autocast")
        if cuda else "fp32",
        "parameters": parameters,
        "trainable_parameters": trainable,
        "matmul_parameters": matmul_parameters,
        "flops_per_token": flops_per_token,
        "flops_convention": ("4*matmul_params + 6*adapter_params + 12*L*H*D*seq" if lora
                             else "6*matmul_params + 12*L*H*D*seq"),
        "batch": args.batch, "seq": args.seq, "steps": args.steps, "warmup": args.warmup,
        "lora_rank": args.lora_rank if lora else 0,
        "threads": torch.get_num_threads(),
        "attention": "sdpa" if HAVE_SDPA else "explicit",
        "adamw_foreach": foreach_used,
        "train_seconds": seconds,
        "tokens_per_s": tokens_per_s,
        "model_flops_per_s": flops,
        "peak_tflops": args.peak_tflops,
        "mfu": flops / (args.peak_tflops * 1e12),
        "peak_memory_bytes": torch.cuda.max_memory_allocated(device) if cuda else None,
        "final_loss": loss_value,
    }
    if args.impl == "transformers":
        out["transformers_version"] = model.version
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
