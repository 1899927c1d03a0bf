#!/usr/bin/python3
"""Judge throughput, each against its peer in the same run:
  - the HTTP judge's verdicts/s at concurrency 1 and 8 against the local chat-completions
    server of the tests (tests/support/fake_chat_server.py, answering after --delay-ms to stand
    for a server's latency), against Python's urllib in a thread pool making the same requests;
  - the local hf judge's verdicts/s on the CPU (1 thread) on a tiny Qwen2 checkpoint, against
    the plain-PyTorch reference model scoring the same candidate rows.

usage: /usr/bin/python3 bench/judges/run.py --build-dir build [--prompts 64] [--delay-ms 20]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(HERE, ".."))
from machine_info import machine  # noqa: E402


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--hf-prompts", type=int, default=16)
    parser.add_argument("--delay-ms", type=float, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    bench = os.path.join(args.build_dir, "bench", "inoculab_judge_bench")
    writer = os.path.join(args.build_dir, "tests", "support", "write_tiny_checkpoint")
    for path in (bench, writer):
        if not os.path.exists(path):
            sys.exit("missing %s: build first (make bench)" % path)
    print("judges: %s" % json.dumps(machine(args.build_dir)))

    server = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests", "support", "fake_chat_server.py"),
                               "--delay-ms", str(args.delay_ms)], stdout=subprocess.PIPE, text=True)
    try:
        base_url = "http://127.0.0.1:%s/v1" % server.stdout.readline().strip()
        print("\nHTTP judge, %d prompts, the server answers after %g ms" % (args.prompts, args.delay_ms))
        for concurrency in (1, 8):
            ours = [run_json([bench, "http", "--base-url", base_url, "--model", "judge", "--prompts",
                              str(args.prompts), "--concurrency", str(concurrency)])["verdicts_per_second"]
                    for _ in range(args.repeats)]
            peer = [run_json(["/usr/bin/python3", os.path.join(HERE, "peer_http.py"), base_url, "judge",
                              str(args.prompts), str(concurrency)])["verdicts_per_second"]
                    for _ in range(args.repeats)]
            ideal = concurrency * 1000.0 / args.delay_ms if args.delay_ms > 0 else float("inf")
            print("  concurrency %d: inoculab %.1f verdicts/s, Python %.1f verdicts/s, ratio %.2f "
                  "(the server's limit %.0f/s)" % (concurrency, median(ours), median(peer),
                                                  median(ours) / median(peer), ideal))
    finally:
        server.kill()

    with tempfile.TemporaryDirectory(dir=args.build_dir) as work:
        folder = os.path.join(work, "judge")
        subprocess.run([writer, "qwen2", folder], check=True, capture_output=True)
        rows = os.path.join(work, "rows.json")
        ours = [run_json([bench, "hf", "--folder", folder, "--prompts", str(args.hf_prompts), "--batch", "128",
                          "--dump-rows", rows])["verdicts_per_second"] for _ in range(args.repeats)]
        peer = [run_json(["/usr/bin/python3", os.path.join(HERE, "peer_hf.py"), folder, rows, "128"])
                ["verdicts_per_second"] for _ in range(args.repeats)]
        print("\nhf judge, tiny Qwen2 (hidden 64, 2 layers), %d prompts x 101 candidate answers, 1 thread" %
              args.hf_prompts)
        print("  inoculab %.1f verdicts/s, plain PyTorch %.1f verdicts/s, ratio %.2f" %
              (median(ours), median(peer), median(ours) / median(peer)))


if __name__ == "__main__":
    main()
