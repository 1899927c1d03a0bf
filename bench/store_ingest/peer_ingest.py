#!/usr/bin/python3
"""The Python peer of inoculab_store_bench: what a researcher's logging script does with the
standard sqlite3 module. Same store file layout (the bench creates it with the same runs),
same rows, same batching; then the same per-step curve: mean and t-interval across seeds.

usage: /usr/bin/python3 peer_ingest.py STORE_FILE ROWS STEPS_PER_COMMIT
The store file must already hold the Inoculab schema (run.py creates it with the bench
binary on a few rows); the peer adds its own experiment and runs to it.
"""
import json
import math
import sqlite3
import statistics
import sys
import time

T_975 = {1: 12.706204736, 2: 4.302652730, 3: 3.182446305, 4: 2.776445105}  # dof -> t quantile


def main():
    path, rows, per_commit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    conditions, seeds, metrics = 4, 3, 10
    steps = rows // (conditions * seeds * metrics)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("BEGIN")
    db.execute("INSERT INTO experiments (name, spec_hash, spec_json) VALUES ('peer', 'peer-0000', '{}')")
    experiment = db.execute("SELECT last_insert_rowid()").fetchone()[0]
    runs = []
    for c in range(conditions):
        db.execute("INSERT INTO conditions (experiment_id, name, position) VALUES (?, ?, ?)",
                   (experiment, "condition-%d" % c, c))
        cid = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        for s in range(seeds):
            db.execute("INSERT INTO runs (condition_id, seed) VALUES (?, ?)", (cid, s))
            runs.append(db.execute("SELECT last_insert_rowid()").fetchone()[0])
    names = {}
    for m in range(metrics):
        name = "train_loss" if m == 0 else "metric_%d" % m
        db.execute("INSERT OR IGNORE INTO metric_names (name) VALUES (?)", (name,))
        names[m] = db.execute("SELECT id FROM metric_names WHERE name = ?", (name,)).fetchone()[0]
    db.execute("COMMIT")

    start = time.perf_counter()
    written = 0
    batch = []
    for run in runs:
        for step in range(steps):
            for m in range(metrics):
                batch.append((run, names[m], step, math.exp(-step / 500.0) + 0.01 * (run % 7) + m))
            if (step + 1) % per_commit == 0 or step + 1 == steps:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO metrics (run_id, name_id, step, value) VALUES (?, ?, ?, ?)",
                               batch)
                db.execute("COMMIT")
                written += len(batch)
                batch = []
    ingest = time.perf_counter() - start

    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        curves = {}
        for cname, step, value in db.execute(
                "SELECT c.name, m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id "
                "JOIN conditions c ON c.id = r.condition_id WHERE c.experiment_id = ? AND m.name_id = ? "
                "ORDER BY c.position, m.step", (experiment, names[0])):
            curves.setdefault(cname, {}).setdefault(step, []).append(value)
        points = 0
        for per_step in curves.values():
            for values in per_step.values():
                mean = statistics.fmean(values)
                half = T_975[len(values) - 1] * statistics.stdev(values) / math.sqrt(len(values))
                points += 1
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"rows": written, "steps_per_commit": per_commit, "ingest_seconds": round(ingest, 4),
                      "rows_per_second": round(written / ingest), "curve_query_seconds": round(best, 4),
                      "curve_points": points}))


if __name__ == "__main__":
    main()
