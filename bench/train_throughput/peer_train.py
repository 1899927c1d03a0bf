#!/usr/bin/python3
"""The PyTorch side of bench/train_throughput/run.py: the same toy GPT and the same training
step as inoculab_train_bench (core/model/gpt.cpp, core/train/trainer.cpp), timed the same way,
one JSON object on stdout.

Written for Debian's python3-torch (1.13, the same libtorch the engine links), run with
/usr/bin/python3. What it matches, line by line with the C++:
  - model: token + learned position embeddings, pre-LayerNorm blocks (LayerNorm eps 1e-5 with
    weight and bias; fused qkv Linear and output Linear, both with bias; MLP Linear 4C with
    bias, tanh-approximated GELU, Linear back with bias), final LayerNorm, logits tied to the
    token embedding; no dropout. Attention is what a PyTorch user writes without SDPA
    (nanoGPT's non-flash path: matmul, scale, masked_fill of a tril mask built each call,
    softmax, matmul), whichever torch this runs on; the engine's explicit path
    (core/model/torch_compat.h, libtorch < 2) computes the same with the scale and the mask
    folded into one baddbmm;
  - init: GPT-2, N(0, 0.02), "proj.weight" N(0, 0.02 / sqrt(2 layers)), biases 0, LayerNorms 1/0;
  - data: 512 rows of seq + 1 random ids in [0, 256); each step takes batch rows in the
    order of a per-epoch permutation; inputs ids[:-1], targets ids[1:], every target trained;
  - loss: summed cross-entropy (ignore_index -100) divided by the step's trained targets,
    backward, loss.item();
  - optimiser: AdamW, betas (0.9, 0.95), eps 1e-8, weight decay 0.1 on every parameter of
    2 or more dimensions (the tied token embedding and the position embedding included),
    0 on the rest; one param group each; single-tensor updates (foreach off, as libtorch's
    C++ AdamW); the rate of the cosine schedule (peak 1e-3, no warmup, to 0.1x) set on both
    groups before each step; grad zeroed in place (libtorch 1.13's zero_grad does not set
    None); clip_grad_norm_ 1.0 over all parameters, norm read back as a float;
  - timing: the clock starts after `warmup` untimed steps and stops after `steps` more.

usage: /usr/bin/python3 bench/train_throughput/peer_train.py [--d-model 128 --layers 4 ...]
"""
import argparse
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
    sys.exit("peer_train.py needs PyTorch for %s (Debian: apt-get install python3-torch): %s"
             % (sys.executable, e))

VOCAB = 261  # model::GptConfig::vocabSize (256 bytes + 5 specials; no option in the C++ bench)
DATA_ROWS = 512


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        # compat::attention without `allowed`, libtorch < 2: causal, queries on the last keys.
        scale = 1.0 / math.sqrt(q.size(-1))
        scores = torch.matmul(q, k.transpose(-2, -1)) * scale
        tq, tk = q.size(2), k.size(2)
        mask = torch.ones(tq, tk, dtype=torch.bool, device=q.device).tril(tk - tq)
        scores = scores.masked_fill(mask.logical_not(), float("-inf"))
        y = torch.matmul(torch.softmax(scores, -1), v)  # [B, H, T, D]
        return self.proj(y.transpose(1, 2).contiguous().view(b, t, c))


class Block(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        # Registration order as BlockImpl: ln1, attn, ln2, fc, fc_proj.
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc = nn.Linear(d_model, 4 * d_model)
        self.fc_proj = nn.Linear(4 * d_model, d_model)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab, d_model, layers, heads, context):
        super().__init__()
        self.context = context
        self.tokens = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList([Block(d_model, heads) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(d_model)
        residual_std = 0.02 / math.sqrt(2.0 * layers)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if ".ln" in name or name.startswith("ln_final"):
                    continue  # LayerNorm: 1 and 0
                if name.endswith("bias"):
                    p.zero_()
                elif "proj.weight" in name:
                    p.normal_(0.0, residual_std)
                else:
                    p.normal_(0.0, 0.02)

    def forward(self, ids):
        t = ids.size(1)
        if t > self.context:
            raise ValueError("sequence of %d tokens is longer than the model's context of %d" % (t, self.context))
        x = self.tokens(ids) + self.positions(torch.arange(t, dtype=torch.long, device=ids.device))
        for block in self.blocks:
            x = block(x)
        return torch.matmul(self.ln_final(x), self.tokens.weight.t())  # [B, T, V], tied


def parameter_formula(vocab, d, layers, context):
    """model::GptConfig::parameterCount()."""
    per_layer = 2 * 2 * d + d * 3 * d + 3 * d + d * d + d + d * 4 * d + 4 * d + 4 * d * d + d
    return vocab * d + context * d + layers * per_layer + 2 * d


def training_flops_per_token(vocab, d, layers, context, t):
    """model::GptConfig::trainingFlopsPerToken(t)."""
    non_embedding = parameter_formula(vocab, d, layers, context) - vocab * d - context * d
    return 6.0 * (non_embedding + vocab * d) + 12.0 * layers * d * t


def cosine_lr(step, total, peak=1e-3, final_ratio=0.1):
    """train::learningRateAt for the bench's settings: cosine, no warmup."""
    decay_steps = max(1, total - 1)
    progress = min(max(step / decay_steps, 0.0), 1.0)
    low = peak * final_ratio
    return low + 0.5 * (peak - low) * (1.0 + math.cos(math.pi * progress))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Defaults as inoculab_train_bench (model::GptConfig's and train_bench.cpp's).
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--context", type=int, default=256)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=128, help="tokens per row (the batch is batch x seq)")
    p.add_argument("--steps", type=int, default=30, help="timed steps")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: leave the default)")
    args = p.parse_args()
    if args.d_model % args.heads:
        sys.exit("--d-model must be a multiple of --heads")
    if args.steps < 1:
        sys.exit("--steps must be at least 1")

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model = Gpt(VOCAB, args.d_model, args.layers, args.heads, args.context)
    parameters = sum(p.numel() for p in model.parameters())
    formula = parameter_formula(VOCAB, args.d_model, args.layers, args.context)
    if parameters != formula:
        sys.exit("peer model has %d parameters, GptConfig::parameterCount() says %d" % (parameters, formula))

    data = torch.randint(0, 256, (DATA_ROWS, args.seq + 1), dtype=torch.long)
    order_gen = torch.Generator().manual_seed(0)
    permutations = {}

    def batch_rows(step):
        """train::BatchOrder: global row g of the run is permutation(g // rows)[g % rows]."""
        first = step * args.batch
        out = []
        for g in range(first, first + args.batch):
            epoch = g // DATA_ROWS
            if epoch not in permutations:
                permutations.clear()
                permutations[epoch] = torch.randperm(DATA_ROWS, generator=order_gen).tolist()
            out.append(permutations[epoch][g % DATA_ROWS])
        return out

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    options = dict(lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    if "foreach" in inspect.signature(torch.optim.AdamW).parameters:
        options["foreach"] = False  # libtorch's C++ AdamW updates one tensor at a time
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": no_decay, "weight_decay": 0.0}], **options)
    clip_kwargs = {}
    if "foreach" in inspect.signature(torch.nn.utils.clip_grad_norm_).parameters:
        clip_kwargs["foreach"] = False  # per-tensor norms, as the C++ clip_grad_norm_

    total_steps = args.warmup + args.steps
    model.train()
    start = time.perf_counter() if args.warmup == 0 else None
    loss_value = 0.0
    for step in range(total_steps):
        lr = cosine_lr(step, total_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=False)
        rows = data[batch_rows(step)]
        inputs, targets = rows[:, :-1].contiguous(), rows[:, 1:].contiguous()
        trained = targets.numel()
        logits = model(inputs)
        b, t = inputs.shape
        loss = F.cross_entropy(logits.view(b * t, -1).float(), targets.view(b * t),
                               ignore_index=-100, reduction="sum")
        loss = loss / float(max(1, trained))
        loss.backward()
        loss_value = loss.item()
        float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, **clip_kwargs))
        optimizer.step()
        if step + 1 == args.warmup:
            start = time.perf_counter()
    seconds = time.perf_counter() - start

    tokens_per_s = args.steps * args.batch * args.seq / seconds
    flops = tokens_per_s * training_flops_per_token(VOCAB, args.d_model, args.layers, args.context, args.seq)
    print(json.dumps({
        "engine": "pytorch",
        "torch_version": torch.__version__,
        "python": sys.version.split()[0],
        "parameters": parameters,
        "d_model": args.d_model, "layers": args.layers, "heads": args.heads, "context": args.context,
        "vocab_size": VOCAB,
        "batch": args.batch, "seq": args.seq, "steps": args.steps, "warmup": args.warmup,
        "threads": torch.get_num_threads(),
        "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        "adamw_foreach": options.get("foreach"),
        "train_seconds": seconds,
        "train_tokens_per_s": tokens_per_s,
        "model_flops_per_s": flops,
        "final_loss": loss_value,
    }, indent=2))


if __name__ == "__main__":
    main()
