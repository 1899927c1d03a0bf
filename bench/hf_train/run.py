#!/usr/bin/env python3
"""hf_train benchmark: training tokens/s, model FLOP/s and MFU of the engine's Hugging Face
architectures (random weights) against the same shapes written plainly in PyTorch.

For each case (model shape x full | lora) it runs inoculab_hf_train_bench
(bench/hf_train/hf_train_bench.cpp), then hf_train_peer.py (--impl plain), and, with
--transformers (or "auto" when the package imports), hf_train_peer.py --impl transformers,
with the same batch, sequence length, steps and device. The runs must agree on parameter and
trainable-parameter counts, or the comparison proves nothing and we stop. Prints a table and
appends a dated Markdown section to --results.

usage (GPU, as bench/gpu_check.sh does):
  python3 bench/hf_train/run.py --bench build-gpu/bench/inoculab_hf_train_bench --device cuda
usage (CPU smoke of the code paths, tiny shapes):
  /usr/bin/python3 bench/hf_train/run.py --bench build/bench/inoculab_hf_train_bench \\
      --device cpu --shapes tiny --batch 4 --seq 64 --steps 3 --warmup 1 --results -
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHAPES = {"real": ("gpt2-124m", "qwen2-0.5b"), "tiny": ("tiny-gpt2", "tiny-qwen2")}
# The MFU target applies to full finetuning of the 124M shape on an H100-class GPU.
MFU_TARGET = 0.35


def run_json(cmd, optional=False):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        message = "FAILED (exit %d): %s\n%s" % (proc.returncode, " ".join(cmd), proc.stderr.strip())
        if optional:
            print(message, file=sys.stderr)
            return None
        sys.exit(message)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        sys.exit("FAILED: %s printed no JSON object:\n%s\n%s" % (" ".join(cmd), proc.stdout, proc.stderr))


def gpu_name():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def transformers_importable(python):
    return subprocess.run([python, "-c", "import transformers"], capture_output=True).returncode == 0


def fmt_rate(x):
    return "%.0f" % x if x is not None else "-"


def fmt_count(n):
    return "%.1fM" % (n / 1e6) if n >= 1e7 else "%.3gM" % (n / 1e6)


def fmt_mem(b):
    return "%.1f GiB" % (b / 2**30) if b is not None else "-"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", default=os.path.join("build", "bench", "inoculab_hf_train_bench"),
                   help="the inoculab_hf_train_bench executable")
    p.add_argument("--python", default=sys.executable, help="interpreter for the PyTorch peer")
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    p.add_argument("--shapes", choices=sorted(SHAPES), default="real",
                   help="real: gpt2-124m and qwen2-0.5b; tiny: 64-wide, 2-layer versions (code-path smoke)")
    p.add_argument("--methods", default="full,lora")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=1024)
    p.add_argument("--steps", type=int, default=20, help="timed steps")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for both (0: default)")
    p.add_argument("--lora-rank", type=int, default=16)
    p.add_argument("--peak-tflops", type=float, default=989.0, help="bf16 dense peak for MFU (H100 SXM: 989)")
    p.add_argument("--transformers", choices=("auto", "on", "off"), default="auto",
                   help="also time transformers' models (auto: when the package imports)")
    p.add_argument("--results", default=None,
                   help="Markdown file to append a dated section to ('-': print it only; "
                        "default bench/hf_train/results-DATE.md)")
    args = p.parse_args()

    bench = os.path.abspath(args.bench)
    if not os.access(bench, os.X_OK):
        sys.exit("missing %s: build the target inoculab_hf_train_bench first" % bench)
    peer = os.path.join(HERE, "hf_train_peer.py")
    with_transformers = args.transformers == "on" or (
        args.transformers == "auto" and transformers_importable(args.python))

    common = ["--device", args.device, "--batch", str(args.batch), "--seq", str(args.seq),
              "--steps", str(args.steps), "--warmup", str(args.warmup), "--threads", str(args.threads),
              "--lora-rank", str(args.lora_rank), "--peak-tflops", str(args.peak_tflops)]
    cases = []
    for shape in SHAPES[args.shapes]:
        for method in [m for m in args.methods.split(",") if m]:
            case = ["--config", shape, "--method", method] + common
            print("%s %s: inoculab..." % (shape, method), end="", flush=True)
            ours = run_json([bench] + case)
            print(" %.0f tokens/s; pytorch..." % ours["tokens_per_s"], end="", flush=True)
            plain = run_json([args.python, peer, "--impl", "plain"] + case)
            print(" %.0f tokens/s" % plain["tokens_per_s"], end="", flush=True)
            hf = None
            if with_transformers:
                print("; transformers...", end="", flush=True)
                hf = run_json([args.python, peer, "--impl", "transformers"] + case, optional=True)
                print(" %s" % (fmt_rate(hf["tokens_per_s"]) + " tokens/s" if hf else "failed"), end="")
            print(flush=True)
            for other in (plain, hf):
                if other is None:
                    continue
                for key in ("parameters", "trainable_parameters", "flops_per_token"):
                    if abs(ours[key] - other[key]) > 1e-9 * abs(ours[key]):
                        sys.exit("FAILED: %s %s: %s differs (inoculab %s, %s %s): not the same model"
                                 % (shape, method, key, ours[key], other["impl"], other[key]))
            cases.append((shape, method, ours, plain, hf))

    gpu = gpu_name() if args.device == "cuda" else None
    today = datetime.date.today().isoformat()
    first = cases[0][2]
    lines = ["## %s: %s" % (today, gpu or "CPU, %d thread(s)" % first["threads"]), ""]
    lines.append("- device %s, engine libtorch %s, peer torch %s%s" % (
        args.device, first["torch_version"], cases[0][3]["torch_version"],
        ", transformers %s" % next((c[4]["transformers_version"] for c in cases if c[4]), "?") if with_transformers
        else ""))
    lines.append("- batch %d x seq %d, %d timed steps after %d warmup; LoRA rank %d on every projection; "
                 "peak %.0f TFLOP/s for MFU" % (args.batch, args.seq, args.steps, args.warmup, args.lora_rank,
                                                 args.peak_tflops))
    lines.append("- FLOPs/token: full 6 x matmul params + 12 x L x H x D x seq; LoRA 4 x matmul params + "
                 "6 x adapter params + the same attention term (matmul params: all less the embedding "
                 "tables, plus vocab x hidden for the head)")
    lines.append("- peer AdamW: %s; peer attention: %s" % (cases[0][3]["adamw_foreach"], cases[0][3]["attention"]))
    lines.append("")
    head = "| case | params (trainable) | inoculab tokens/s | pytorch tokens/s | ratio | inoculab MFU | " \
           "pytorch MFU | peak mem inoculab / pytorch |"
    if with_transformers:
        head += " transformers tokens/s |"
    lines.append(head)
    lines.append("|" + "---|" * (head.count("|") - 1))
    verdicts = []
    for shape, method, ours, plain, hf in cases:
        ratio = ours["tokens_per_s"] / plain["tokens_per_s"]
        row = "| %s %s | %s (%s) | %s | %s | %.2fx | %.1f%% | %.1f%% | %s / %s |" % (
            shape, method, fmt_count(ours["parameters"]), fmt_count(ours["trainable_parameters"]),
            fmt_rate(ours["tokens_per_s"]), fmt_rate(plain["tokens_per_s"]), ratio, 100 * ours["mfu"],
            100 * plain["mfu"], fmt_mem(ours["peak_memory_bytes"]), fmt_mem(plain["peak_memory_bytes"]))
        if with_transformers:
            row += " %s |" % (fmt_rate(hf["tokens_per_s"]) if hf else "failed")
        lines.append(row)
        if args.device != "cuda":
            continue  # a CPU run checks code paths; its ratios are no verdict
        verdicts.append("%s %s: inoculab >= pytorch: %s (%.2fx)" % (
            shape, method, "PASS" if ratio >= 1.0 else "MISSED", ratio))
        if shape == "gpt2-124m" and method == "full":
            verdicts.append("gpt2-124m full: MFU >= %.0f%% of %.0f TFLOP/s: %s (%.1f%%)" % (
                100 * MFU_TARGET, args.peak_tflops, "PASS" if ours["mfu"] >= MFU_TARGET else "MISSED",
                100 * ours["mfu"]))
    lines.append("")
    lines += ["- " + v for v in verdicts]
    if args.device != "cuda":
        lines += ["CPU run: a check that the code paths work, not a benchmark (no targets apply)."]
    text = "\n".join(lines) + "\n"
    print("\n" + text)

    target = args.results or os.path.join(HERE, "results-%s.md" % today)
    if target != "-":
        new = not os.path.exists(target)
        with open(target, "a") as f:
            if new:
                f.write("# hf_train results (bench/gpu_check.sh, bench/hf_train/run.py)\n\n")
            f.write(text + "\n")
        raw = os.path.splitext(target)[0] + ".json"
        with open(raw, "a") as f:
            for shape, method, ours, plain, hf in cases:
                f.write(json.dumps({"date": today, "gpu": gpu, "case": "%s %s" % (shape, method),
                                    "inoculab": ours, "pytorch": plain, "transformers": hf}) + "\n")
        print("appended to %s (raw figures: %s)" % (target, raw))


if __name__ == "__main__":
    main()
