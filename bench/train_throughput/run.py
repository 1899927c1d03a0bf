#!/usr/bin/python3
"""train_throughput benchmark: training tokens/s of the engine's toy GPT against PyTorch doing
the same training step on the same model, in the same run, with the same threads.

Runs inoculab_train_bench (bench/train_throughput/train_bench.cpp) and peer_train.py (Debian's
python3-torch on /usr/bin/python3) alternately, --repeats times each, with the same model
(by default the base model of the experiment spec), batch, sequence length, steps and
threads; reports the medians, the ratio engine / peer, and, from the engine's run, the model
FLOP/s as a share of this machine's measured single-precision matmul peak and the sampling
rates with and without the KV cache. OMP_NUM_THREADS and OPENBLAS_NUM_THREADS are set to
--threads for both processes (Debian's libtorch uses OpenMP and pthread OpenBLAS, and
OpenBLAS does not follow torch.set_num_threads). Both must report the same parameter count;
otherwise the comparison is meaningless and we stop.

The peer runs twice a round: as a user runs it, and with glibc's malloc told through
GLIBC_TUNABLES to keep freed memory as the engine's model::keepFreedMemoryForReuse does (on
some virtual machines page faults make that the larger part of the difference). Both ratios
are reported; the first is the benchmark's figure.

usage: /usr/bin/python3 bench/train_throughput/run.py --build-dir build
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from machine_info import machine  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SPEC = os.path.join(ROOT, "datasets", "experiments", "spanish-caps.json")
MODEL_KEYS = ("d_model", "layers", "heads", "context")


def run_json(cmd, env):
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit("FAILED (exit %d): %s\n%s" % (proc.returncode, " ".join(cmd), proc.stderr.strip()))
    # The JSON object is the whole of stdout (pretty-printed by both sides).
    try:
        return json.loads(proc.stdout)
    except ValueError:
        sys.exit("FAILED: %s printed no JSON object:\n%s" % (" ".join(cmd), proc.stdout))


def model_from_spec(path):
    with open(path) as f:
        base = json.load(f).get("base_model", {})
    if base.get("kind", "toy") != "toy" or not all(k in base for k in MODEL_KEYS):
        sys.exit("%s: base_model is not a toy model with %s; pass them as options" % (path, ", ".join(MODEL_KEYS)))
    return {k: base[k] for k in MODEL_KEYS}


def linked_libtorch(exe):
    """The libtorch_cpu the engine loads (ldd), so the report says which build was timed."""
    try:
        out = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    except OSError:
        return None
    for line in out.splitlines():
        if "libtorch_cpu" in line and "=>" in line:
            return os.path.realpath(line.split("=>", 1)[1].split("(")[0].strip())
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", default="build", help="holds bench/inoculab_train_bench")
    p.add_argument("--spec", default=DEFAULT_SPEC, help="experiment spec whose base_model sets the model size")
    p.add_argument("--d-model", type=int, help="(default: the spec's)")
    p.add_argument("--layers", type=int, help="(default: the spec's)")
    p.add_argument("--heads", type=int, help="(default: the spec's)")
    p.add_argument("--context", type=int, help="(default: the spec's)")
    # Defaults as train_bench.cpp's; passed to both sides explicitly.
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=128, help="tokens per row (the batch is batch x seq)")
    p.add_argument("--steps", type=int, default=30, help="timed steps a run")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first, each run")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads, OMP_NUM_THREADS and OPENBLAS_NUM_THREADS for both (default 1)")
    p.add_argument("--repeats", type=int, default=3, help="runs of each, alternating; the median counts")
    p.add_argument("--python", default="/usr/bin/python3", help="interpreter for the PyTorch peer")
    p.add_argument("--out", help="JSON result file (default: BUILD/bench-data/train_throughput-results.json)")
    args = p.parse_args()
    if args.threads < 1 or args.repeats < 1 or args.steps < 1:
        sys.exit("--threads, --repeats and --steps must be at least 1")
    if args.warmup < 1:
        sys.exit("--warmup must be at least 1 (train_bench.cpp starts its clock at the end of the last warmup step)")

    build = os.path.abspath(args.build_dir)
    bench = os.path.join(build, "bench", "inoculab_train_bench")
    peer_script = os.path.join(HERE, "peer_train.py")
    if not os.access(bench, os.X_OK):
        sys.exit("missing %s: build first (make bench)" % bench)
    check = subprocess.run([args.python, "-c", "import torch"], capture_output=True, text=True)
    if check.returncode != 0:
        sys.exit("%s cannot import torch, which the peer needs (Debian: apt-get install python3-torch)\n%s"
                 % (args.python, check.stderr.strip().splitlines()[-1] if check.stderr.strip() else ""))

    model = model_from_spec(args.spec)
    for k in MODEL_KEYS:
        if getattr(args, k) is not None:
            model[k] = getattr(args, k)
    if model["d_model"] % model["heads"]:
        sys.exit("d_model %d is not a multiple of heads %d" % (model["d_model"], model["heads"]))
    if args.seq > model["context"]:
        sys.exit("--seq %d is longer than the model's context of %d" % (args.seq, model["context"]))

    common = []
    for k in MODEL_KEYS:
        common += ["--" + k.replace("_", "-"), str(model[k])]
    for k in ("batch", "seq", "steps", "warmup", "threads"):
        common += ["--" + k, str(getattr(args, k))]
    threads_env = {"OMP_NUM_THREADS": str(args.threads), "OPENBLAS_NUM_THREADS": str(args.threads)}
    env = dict(os.environ, **threads_env)

    # model::keepFreedMemoryForReuse (core/model/device.cpp): mmap only above 256 MiB, keep up
    # to 512 MiB of freed heap.
    tuned_env = dict(env, GLIBC_TUNABLES="glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=536870912")

    engine_runs, peer_runs, tuned_runs = [], [], []
    for r in range(args.repeats):
        print("run %d/%d: engine..." % (r + 1, args.repeats), end="", flush=True)
        engine_runs.append(run_json([bench] + common, env))
        print(" %.0f tokens/s; peer..." % engine_runs[-1]["train_tokens_per_s"], end="", flush=True)
        peer_runs.append(run_json([args.python, peer_script] + common, env))
        print(" %.0f tokens/s; peer, malloc tuned..." % peer_runs[-1]["train_tokens_per_s"], end="", flush=True)
        tuned_runs.append(run_json([args.python, peer_script] + common, tuned_env))
        print(" %.0f tokens/s" % tuned_runs[-1]["train_tokens_per_s"], flush=True)

    engine, peer = engine_runs[0], peer_runs[0]
    mismatches = []
    if engine["parameters"] != peer["parameters"]:
        mismatches.append("parameters: engine %d, peer %d" % (engine["parameters"], peer["parameters"]))
    if engine["threads"] != peer["threads"]:
        mismatches.append("threads: engine %d, peer %d" % (engine["threads"], peer["threads"]))
    for name, runs in (("engine", engine_runs), ("peer", peer_runs), ("tuned peer", tuned_runs)):
        if not all(math.isfinite(x["final_loss"]) for x in runs):
            mismatches.append("%s: non-finite final loss" % name)
    if mismatches:
        sys.exit("FAILED: the two sides do not train the same thing, so timing them proves nothing:\n  "
                 + "\n  ".join(mismatches))

    med = lambda runs, key: statistics.median(x[key] for x in runs)
    engine_tps, peer_tps = med(engine_runs, "train_tokens_per_s"), med(peer_runs, "train_tokens_per_s")
    ratio = engine_tps / peer_tps
    tuned_tps = med(tuned_runs, "train_tokens_per_s")
    flops, peak = med(engine_runs, "model_flops_per_s"), med(engine_runs, "matmul_peak_flops_per_s")
    share = med(engine_runs, "share_of_peak")
    kv, no_kv = med(engine_runs, "sample_tokens_per_s_kv_cache"), med(engine_runs, "sample_tokens_per_s_no_cache")
    env_info = machine(build)

    print("\ntrain_throughput: d_model %d, %d layers, %d heads, context %d (%s), %d parameters"
          % (model["d_model"], model["layers"], model["heads"], model["context"],
             os.path.relpath(args.spec) if any(getattr(args, k) is None for k in MODEL_KEYS) else "options",
             engine["parameters"]))
    print("batch %d x seq %d, %d timed steps after %d warmup, %d thread(s) (OMP/OPENBLAS_NUM_THREADS=%d), "
          "median of %d" % (args.batch, args.seq, args.steps, args.warmup, args.threads, args.threads, args.repeats))
    print("%s, %s cores, %s GiB; %s; build %s; peer torch %s\n"
          % (env_info["cpu"], env_info["nproc"], env_info["mem_gib"], env_info.get("compiler", "?"),
             env_info.get("build_type", "?"), peer["torch_version"]))
    rows = [
        ("train, inoculab", "%.0f tokens/s" % engine_tps),
        ("train, PyTorch peer", "%.0f tokens/s" % peer_tps),
        ("train ratio engine/peer", "%.2fx" % ratio),
        ("train, peer, malloc tuned", "%.0f tokens/s" % tuned_tps),
        ("ratio engine/tuned peer", "%.2fx" % (engine_tps / tuned_tps)),
        ("model FLOP/s, inoculab", "%.2f GFLOP/s" % (flops / 1e9)),
        ("matmul peak (measured)", "%.2f GFLOP/s" % (peak / 1e9)),
        ("share of matmul peak", "%.1f%%" % (100 * share)),
        ("sampling, KV cache", "%.0f tokens/s" % kv),
        ("sampling, no cache", "%.0f tokens/s" % no_kv),
        ("final loss engine / peer", "%.3f / %.3f" % (engine["final_loss"], peer["final_loss"])),
    ]
    for name, value in rows:
        print("%-28s %s" % (name, value))

    report = {
        "model": dict(model, parameters=engine["parameters"], spec=os.path.abspath(args.spec)),
        "settings": {"batch": args.batch, "seq": args.seq, "steps": args.steps, "warmup": args.warmup,
                     "threads": args.threads, "env": threads_env, "repeats": args.repeats},
        "machine": env_info,
        "engine_libtorch": linked_libtorch(bench),
        "peer_torch_version": peer["torch_version"],
        "median": {"engine_train_tokens_per_s": engine_tps, "peer_train_tokens_per_s": peer_tps,
                   "ratio_engine_over_peer": ratio, "tuned_peer_train_tokens_per_s": tuned_tps,
                   "ratio_engine_over_tuned_peer": engine_tps / tuned_tps, "engine_model_flops_per_s": flops,
                   "matmul_peak_flops_per_s": peak, "share_of_peak": share,
                   "sample_tokens_per_s_kv_cache": kv, "sample_tokens_per_s_no_cache": no_kv},
        "engine_runs": engine_runs,
        "peer_runs": peer_runs,
        "tuned_peer_runs": tuned_runs,
        "tuned_peer_env": {"GLIBC_TUNABLES": tuned_env["GLIBC_TUNABLES"]},
    }
    out = os.path.abspath(args.out or os.path.join(build, "bench-data", "train_throughput-results.json"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(report, f, indent=2)
    print("\nwrote %s" % out)


if __name__ == "__main__":
    main()
