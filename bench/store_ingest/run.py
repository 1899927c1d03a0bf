#!/usr/bin/python3
"""store_ingest benchmark: metric rows per second into the results store, and the time of the
per-step curve query over 1,000,000 metric rows, against Python's sqlite3 doing the same
work on the same schema, in the same run.

usage: /usr/bin/python3 bench/store_ingest/run.py --build-dir build
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_ROWS_PER_SECOND = 200_000


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--steps-per-commit", type=int, default=50)
    args = parser.parse_args()
    bench = os.path.join(args.build_dir, "bench", "inoculab_store_bench")
    if not os.path.exists(bench):
        sys.exit("missing %s: build first (make bench)" % bench)

    with tempfile.TemporaryDirectory(dir=args.build_dir) as work:
        ours = run_json([bench, os.path.join(work, "ours.sqlite"), str(args.rows), str(args.steps_per_commit)])
        per_step = run_json([bench, os.path.join(work, "per-step.sqlite"), str(args.rows // 10), "1"])
        peer_store = os.path.join(work, "peer.sqlite")
        run_json([bench, peer_store, "0", "1"])  # the same schema, empty
        peer = run_json(["/usr/bin/python3", os.path.join(HERE, "peer_ingest.py"), peer_store, str(args.rows),
                         str(args.steps_per_commit)])

    print("store_ingest: %d metric rows, %d steps (%d rows) per commit" % (ours["rows"], args.steps_per_commit,
                                                                          args.steps_per_commit * 10))
    print("%s, %d cores\n" % (cpu_model(), os.cpu_count()))
    rows = [
        ("ingest, inoculab", "%.0f rows/s" % ours["rows_per_second"],
         "PASS" if ours["rows_per_second"] >= TARGET_ROWS_PER_SECOND else "MISS"),
        ("ingest, Python sqlite3", "%.0f rows/s" % peer["rows_per_second"], ""),
        ("ingest ratio", "%.2fx" % (ours["rows_per_second"] / peer["rows_per_second"]), ""),
        ("ingest, one commit a step", "%.0f rows/s (%d rows)" % (per_step["rows_per_second"], per_step["rows"]), ""),
        ("curve query, inoculab", "%.3f s (%d points)" % (ours["curve_query_seconds"], ours["curve_points"]), ""),
        ("curve query, Python", "%.3f s (%d points)" % (peer["curve_query_seconds"], peer["curve_points"]), ""),
        ("curve query ratio", "%.2fx" % (peer["curve_query_seconds"] / ours["curve_query_seconds"]), ""),
        ("store size", "%.1f MB" % (ours["store_bytes"] / 1e6), ""),
    ]
    for name, value, verdict in rows:
        print("%-28s %-28s %s" % (name, value, verdict))
    result = {"ours": ours, "per_step_commits": per_step, "peer": peer, "cpu": cpu_model(), "cores": os.cpu_count()}
    out = os.path.join(args.build_dir, "store_ingest-results.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    print("\nwrote %s" % out)


if __name__ == "__main__":
    main()
