#!/usr/bin/python3
"""The local judge's peer: the same candidate rows (dumped by inoculab_judge_bench) through the
plain-PyTorch model of tests/reference/hf_logits.py, batched the same way, each candidate's
log-prob summed over its answer tokens, 101 candidates a verdict.

usage: peer_hf.py MODEL_DIR ROWS_JSON BATCH   -> one JSON line
"""
import importlib.util
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "hf_logits", os.path.join(HERE, "..", "..", "tests", "reference", "hf_logits.py"))
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)


def main():
    folder, rows_file, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    tensors = reference.read_weights(folder)
    with open(rows_file) as f:
        dump = json.load(f)
    rows, pad = dump["rows"], dump["pad"]
    start = time.perf_counter()
    logprobs = []
    for first in range(0, len(rows), batch):
        chunk = rows[first:first + batch]
        longest = max(len(r["ids"]) for r in chunk)
        ids = torch.tensor([r["ids"] + [pad] * (longest - len(r["ids"])) for r in chunk], dtype=torch.long)
        logits, _ = reference.decoder_logits(cfg, tensors, ids)
        logp = torch.log_softmax(logits.double(), -1)
        for i, r in enumerate(chunk):
            total = 0.0
            for j in range(len(r["ids"]) - 1):
                if r["trained"][j + 1]:
                    total += logp[i, j, r["ids"][j + 1]].item()
            logprobs.append(total)
    seconds = time.perf_counter() - start
    verdicts = len(rows) // 101
    print(json.dumps({"judge": "hf-python", "batch": batch, "verdicts": verdicts, "seconds": seconds,
                      "verdicts_per_second": verdicts / seconds}))


if __name__ == "__main__":
    main()
