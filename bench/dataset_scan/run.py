#!/usr/bin/python3
"""dataset_scan benchmark: how fast and how lean the dataset tools are on a 1M-row file.

Measures, on one generated file and in one run:
  - `inoculab-cli dataset validate FILE --json --max-errors 20` against validate_peer.py
    (same rules, Python's json module, Debian's /usr/bin/python3), best of N each;
  - JsonlIndex::build throughput (inoculab_index_bench, warm page cache, best of N);
  - peak RSS of the validate and index processes, from the kernel (inoculab_peak_rss), so
    that the numbers include everything the process touches, not what the code thinks it uses.
Both validators must report the same totals, and those must equal what the generator
injected; otherwise the speed comparison is meaningless and we stop.

usage: /usr/bin/python3 bench/dataset_scan/run.py --build-dir build
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from machine_info import machine  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PEAK_RSS = None  # BUILD/bench/inoculab_peak_rss, set in main()
TOTALS = ("lines", "blank_lines", "rows", "invalid_rows", "problem_count")
TARGET_INDEX_GBPS = 1.0
TARGET_SPEEDUP = 5.0
# "64 MB + 8 bytes a row" (core/CMakeLists.txt); MB read as 10^6 bytes, the stricter reading.
TARGET_MEMORY_BASE = 64_000_000
TARGET_MEMORY_PER_ROW = 8


def run(cmd, ok_codes=(0,)):
    """Runs cmd under inoculab_peak_rss; returns (wall seconds, peak RSS bytes, stdout)."""
    # Not os.wait4 here: Linux carries the parent's peak RSS into a spawned child, so every
    # child of this ~14 MB runner would read at least 14 MB. peak_rss.cpp explains.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as rss:
        start = time.perf_counter()
        code = subprocess.run([PEAK_RSS, rss.name] + cmd, stdout=out, stderr=err).returncode
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if code not in ok_codes:
            sys.exit("FAILED (exit %d): %s\n%s" % (code, " ".join(cmd), err.read().decode(errors="replace")))
        return seconds, json.load(rss)["peak_rss_bytes"], out.read()


def best_of(cmd, repeats, ok_codes=(0,)):
    """Best wall time, largest peak RSS (peaks barely vary; report the worst), the stdout."""
    runs = [run(cmd, ok_codes) for _ in range(repeats)]
    outs = {r[2] for r in runs}
    if len(outs) != 1:
        sys.exit("FAILED: %s gave different output on repeated runs" % " ".join(cmd))
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[0][2]


def dataset(args, python):
    """The generated file, rebuilt only if missing or made with other parameters."""
    name = "chat-%d-s%d-b%g" % (args.rows, args.seed, args.bad_share)
    path = os.path.join(args.work_dir, name + ".jsonl")
    params_path = path + ".params.json"
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import generate  # only for VERSION: a generator change invalidates the cache
    want = {"version": generate.VERSION, "rows": args.rows, "seed": args.seed, "bad_share": args.bad_share}
    try:
        with open(params_path) as f:
            meta = json.load(f)
        if meta["params"] == want and os.path.getsize(path) == meta["expected"]["bytes"]:
            print("reusing %s" % path)
            return path, meta["expected"]
    except (OSError, ValueError, KeyError):
        pass
    os.makedirs(args.work_dir, exist_ok=True)
    print("generating %s (%d rows)..." % (path, args.rows), flush=True)
    subprocess.run([python, os.path.join(HERE, "generate.py"), path, "--rows", str(args.rows),
                    "--seed", str(args.seed), "--bad-share", str(args.bad_share)], check=True,
                   stdout=subprocess.DEVNULL)
    with open(params_path) as f:
        return path, json.load(f)["expected"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", required=True, help="holds app/inoculab-cli and bench/inoculab_index_bench")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bad-share", type=float, default=0.001)
    p.add_argument("--work-dir", help="where the dataset goes (default: BUILD/bench-data)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs of each; the best counts")
    p.add_argument("--python", default="/usr/bin/python3", help="interpreter for the Python peer")
    p.add_argument("--out", help="JSON result file (default: WORK/dataset_scan-results.json)")
    p.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    args = p.parse_args()
    build = os.path.abspath(args.build_dir)
    args.work_dir = os.path.abspath(args.work_dir or os.path.join(build, "bench-data"))
    cli = os.path.join(build, "app", "inoculab-cli")
    index_bench = os.path.join(build, "bench", "inoculab_index_bench")
    global PEAK_RSS
    PEAK_RSS = os.path.join(build, "bench", "inoculab_peak_rss")
    for exe in (cli, index_bench, PEAK_RSS):
        if not os.access(exe, os.X_OK):
            sys.exit("missing %s: build inoculab-cli, inoculab_index_bench and inoculab_peak_rss first" % exe)

    path, expected = dataset(args, args.python)
    size = os.path.getsize(path)

    # validate exits 2 when it finds problems, which it must here.
    validate_cmd = [cli, "dataset", "validate", path, "--json", "--max-errors", "20"]
    run(validate_cmd, ok_codes=(0, 2))  # warms the page cache for everyone after
    cpp_s, cpp_rss, cpp_out = best_of(validate_cmd, args.repeats, ok_codes=(0, 2))
    cpp = json.loads(cpp_out)
    peer_s, peer_rss, peer_out = best_of([args.python, os.path.join(HERE, "validate_peer.py"), path], args.repeats)
    peer = json.loads(peer_out)
    # The index bench warms and repeats inside one process; its timing excludes start-up.
    _, index_rss, index_out = run([index_bench, path, str(args.repeats)])
    index = json.loads(index_out)

    mismatches = ["%s: inoculab-cli %s, peer %s, generator %s" % (k, cpp[k], peer[k], expected.get(k, "-"))
                  for k in TOTALS if not cpp[k] == peer[k] == expected.get(k, cpp[k])]
    if index["rows"] != cpp["rows"]:
        mismatches.append("rows: index %d, validate %d" % (index["rows"], cpp["rows"]))
    if mismatches:
        sys.exit("FAILED: the validators disagree, so timing them proves nothing:\n  " + "\n  ".join(mismatches))

    rows = cpp["rows"]
    memory_target = TARGET_MEMORY_BASE + TARGET_MEMORY_PER_ROW * rows
    speedup = peer_s / cpp_s
    mb = lambda n: "%.1f MB" % (n / 1e6)
    results = [
        # (name, value shown, target shown, pass)
        ("index build (best of %d)" % args.repeats, "%.3f s, %.2f GB/s" % (index["seconds"], index["gb_per_s"]),
         ">= %.1f GB/s" % TARGET_INDEX_GBPS, index["gb_per_s"] >= TARGET_INDEX_GBPS),
        ("validate, inoculab-cli", "%.3f s, %.0f MB/s" % (cpp_s, size / cpp_s / 1e6), "", None),
        ("validate, Python peer", "%.3f s, %.0f MB/s" % (peer_s, size / peer_s / 1e6), "", None),
        ("validate speed-up", "%.2fx" % speedup, ">= %.0fx" % TARGET_SPEEDUP, speedup >= TARGET_SPEEDUP),
        ("peak RSS, validate", mb(cpp_rss), "< " + mb(memory_target), cpp_rss < memory_target),
        ("peak RSS, index build", mb(index_rss), "< " + mb(memory_target), index_rss < memory_target),
        ("peak RSS, Python peer", mb(peer_rss), "", None),
        ("index memoryBytes()", mb(index["index_memory_bytes"]), "", None),
    ]
    env = machine(build)
    print("\ndataset_scan: %s, %.1f MB, %d rows (%d invalid, %d problems, %d blank lines)"
          % (os.path.basename(path), size / 1e6, rows, cpp["invalid_rows"], cpp["problem_count"], cpp["blank_lines"]))
    print("%s, %s cores, %s GiB; %s; build %s\n" % (env["cpu"], env["nproc"], env["mem_gib"],
                                                   env.get("compiler", "?"), env.get("build_type", "?")))
    print("%-26s %-24s %-14s %s" % ("measure", "result", "target", ""))
    for name, value, target, ok in results:
        print("%-26s %-24s %-14s %s" % (name, value, target, "" if ok is None else "PASS" if ok else "FAIL"))

    report = {
        "file": path, "bytes": size, "totals": {k: cpp[k] for k in TOTALS}, "machine": env,
        "repeats": args.repeats,
        "validate": {"cpp_seconds": cpp_s, "peer_seconds": peer_s, "speedup": speedup,
                     "cpp_peak_rss_bytes": cpp_rss, "peer_peak_rss_bytes": peer_rss},
        "index": dict(index, process_peak_rss_bytes=index_rss),
        "targets": {"index_gb_per_s": TARGET_INDEX_GBPS, "speedup": TARGET_SPEEDUP, "memory_bytes": memory_target},
        "pass": {"index": results[0][3], "speedup": results[3][3],
                 "memory_validate": results[4][3], "memory_index": results[5][3]},
    }
    out = args.out or os.path.join(args.work_dir, "dataset_scan-results.json")
    with open(out, "w") as f:
        json.dump(report, f, indent=2)
    print("\nwrote %s" % out)
    if args.strict and not all(report["pass"].values()):
        sys.exit(2)


if __name__ == "__main__":
    main()
