#!/usr/bin/env python3
"""Fault injection: SIGKILL workers at random moments and check that nothing is lost.

Runs a small experiment (the smoke spec, longer) twice: once left alone (the reference), once
with `inoculab-cli experiment run` restarted until every run is done while this script
SIGKILLs a random worker at a random moment, and now and then the CLI with all its workers
at once (a reboot). Kills land during pretraining, training steps, checkpoint writes and
evaluations; each is counted by where it landed. Then it checks:

- every run is `done`; `PRAGMA integrity_check` is ok and `foreign_key_check` finds nothing;
- every run has each training step's metrics exactly once and every evaluation point's
  samples, each with a score for every trait, and no score without its sample;
- no checkpoint folder is half-written (no `.partial` or `.old` left, each holds its files);
- the base model's weights are the reference's byte for byte, and every metric (but the
  measured tokens/s), probe log-prob, answer and score equals the reference's exactly.

It prints the figures (kills survived by phase, steps lost per kill, time to recover) as a
table and, with --json, one JSON object. Exit status 0 when every check holds. Only the
standard library; talks to the store with Python's sqlite3 (read only).
"""

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def soak_spec(steps, every, pretrain_steps, questions):
    spec = json.loads((ROOT / "tests/cli/data/smoke-experiment.json").read_text())
    spec["name"] = "kill-soak"
    spec["description"] = "The smoke experiment, longer, for bench/kill_soak."
    # A model big enough that a step, not the worker's start, is where most of the time goes.
    spec["base_model"].update({"d_model": 64, "layers": 2})
    spec["base_model"]["pretraining"]["steps"] = pretrain_steps
    spec["training"]["steps"] = steps
    spec["evaluation"]["every_steps"] = every
    spec["evaluation"]["questions"]["count"] = questions
    return spec


class EventLog:
    """What the CLI's --progress jsonl says, per run label, with arrival times."""

    def __init__(self):
        self.lock = threading.Lock()
        self.last = {}  # label -> (time, event)
        self.history = []  # (time, label, event)

    def read(self, stream):
        for line in stream:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict) or "run" not in event:
                continue
            now = time.monotonic()
            with self.lock:
                self.last[event["run"]] = (now, event)
                self.history.append((now, event["run"], event))


def worker_pids(cli_pid):
    """{pid: label} of the CLI's inoculab-worker children. The label is the CLI's ("pretrain",
    "condition/seedN"), read back from the job file's name ("condition-seedN.job.json")."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            if ppid != cli_pid:
                continue
            args = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if b"--job" in args:
            job = args[args.index(b"--job") + 1].decode()
            name = Path(job).name.removesuffix(".job.json")
            cut = name.rfind("-seed")
            out[int(entry)] = name if name == "pretrain" else name[:cut] + "/seed" + name[cut + 5:]
    return out


def writing_checkpoint(cache, label):
    """Whether the worker of `label` is writing a checkpoint: its folder's .partial exists."""
    if label == "pretrain":  # the pretraining checkpoint is base/<key>.partial, written via .partial.partial
        return any((cache / "base").glob("*.partial.partial"))
    return any((cache / "runs").glob("*/" + label.replace("/seed", "-seed") + ".partial"))


def phase_of(cache, label, last_event, every):
    """Where a kill of this worker lands: pretrain, startup, training, checkpoint, evaluation."""
    if writing_checkpoint(cache, label):
        return "checkpoint write"
    if label == "pretrain":
        return "pretraining"
    if last_event is None:
        return "startup"
    event = last_event[1]
    kind = event.get("event")
    step = event.get("step", event.get("from_step", 0))
    if kind == "start":
        return "evaluation" if step % every == 0 else "training"
    if kind == "step" and (step % every == 0 or step == event.get("steps")):
        return "evaluation"
    return "training"


def run_cli(cli, spec, store, cache, checkpoint_seconds):
    return subprocess.Popen(
        [cli, "experiment", "run", str(spec), "--store", str(store), "--cache", str(cache), "--jobs", "2",
         "--progress", "jsonl", "--checkpoint-seconds", str(checkpoint_seconds)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)


def soak(cli, spec, store, cache, kills_wanted, rng, every, deadline, checkpoint_seconds, max_delay):
    log = EventLog()
    kills = []  # {"label", "phase", "step", "time", "whole"}
    attempts = 0
    while True:
        if time.monotonic() > deadline:
            raise SystemExit("soak: did not finish before the deadline")
        attempts += 1
        launched = time.monotonic()
        proc = run_cli(cli, spec, store, cache, checkpoint_seconds)
        reader = threading.Thread(target=log.read, args=(proc.stdout,), daemon=True)
        reader.start()
        while proc.poll() is None:
            if len(kills) >= kills_wanted:
                time.sleep(0.05)
                continue
            time.sleep(rng.uniform(0.1, max_delay))
            pids = worker_pids(proc.pid)
            if not pids or proc.poll() is not None:
                continue
            now = time.monotonic()
            with log.lock:
                candidates = []
                for pid, label in pids.items():
                    last = log.last.get(label)
                    last = last if last and last[0] >= launched else None  # not from an earlier attempt
                    step = last[1].get("step", last[1].get("from_step", 0)) if last else None
                    candidates.append((pid, {"label": label, "phase": phase_of(cache, label, last, every),
                                             "step": step, "time": now}))
            # Pretraining comes first and takes long, and a worker's start is where a new run
            # always is after a kill: without a cap most kills would land there.
            capped = {"pretraining", "startup"}
            allowed = [c for c in candidates if c[1]["phase"] not in capped or
                     sum(k["phase"] == c[1]["phase"] for k in kills) < max(2, kills_wanted // 6)]
            if not allowed:
                continue
            whole = rng.random() < 0.15  # now and then the machine goes down: CLI and workers
            victims = candidates if whole else [rng.choice(allowed)]
            noted = [dict(note, whole=whole) for _, note in victims]
            try:
                if whole:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    os.kill(victims[0][0], signal.SIGKILL)
            except ProcessLookupError:
                continue
            kills.extend(noted)
        reader.join(timeout=10)
        if proc.returncode == 0:
            if len(kills) < kills_wanted:
                raise SystemExit(f"soak: every run was done after {len(kills)} of {kills_wanted} kills "
                                 "(give it more --steps or a shorter --max-delay)")
            return kills, log.history, attempts


def recovery(kills, history):
    """Steps lost per kill and seconds until the run was back at the step it had reached."""
    lost, recover = [], []
    for k in kills:
        after = [(t, e) for t, l, e in history if l == k["label"] and t > k["time"]]
        start = next(((t, e) for t, e in after if e.get("event") == "start"), None)
        if start is None:
            continue
        reached = k["step"] if k["step"] is not None else start[1].get("from_step", 0)
        lost.append(max(0, reached - start[1].get("from_step", 0)))
        back = next((t for t, e in after if t >= start[0] and (e.get("event") == "done" or
                     (e.get("event") == "step" and e.get("step", 0) >= reached))), None)
        if back is not None:
            recover.append(back - k["time"])
    return lost, recover


def rows(db, sql, *args):
    return db.execute(sql, args).fetchall()


def check_store(path, spec):
    """The store's own checks; returns a list of problems."""
    problems = []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    if rows(db, "PRAGMA integrity_check") != [("ok",)]:
        problems.append("integrity_check failed")
    if rows(db, "PRAGMA foreign_key_check"):
        problems.append("foreign_key_check found rows")
    steps, every = spec["training"]["steps"], spec["evaluation"]["every_steps"]
    per_point = spec["evaluation"]["questions"]["count"] * spec["evaluation"]["samples_per_question"]
    contexts = [c["name"] for c in spec["evaluation"]["contexts"]]
    traits = len(spec["traits"])
    eval_steps = sorted({0, steps, *range(every, steps + 1, every)})
    runs = rows(db, "SELECT r.id, c.name, r.seed, r.status FROM runs r JOIN conditions c ON c.id = r.condition_id")
    if len(runs) != len(spec["conditions"]) * len(spec["seeds"]):
        problems.append(f"{len(runs)} runs in the store")
    for run_id, condition, seed, status in runs:
        name = f"{condition}/seed{seed}"
        if status != "done":
            problems.append(f"{name}: status {status}")
        got = [s for (s,) in rows(db, "SELECT m.step FROM metrics m JOIN metric_names n ON n.id = m.name_id "
                                      "WHERE m.run_id = ? AND n.name = 'train_loss' ORDER BY m.step", run_id)]
        if got != list(range(1, steps + 1)):
            problems.append(f"{name}: train_loss steps {got}")
        points = rows(db, "SELECT step, context, COUNT(*) FROM eval_samples WHERE run_id = ? "
                          "GROUP BY step, context ORDER BY step, context", run_id)
        want = [(s, c, per_point) for s in eval_steps for c in sorted(contexts)]
        if points != want:
            problems.append(f"{name}: evaluation rows {points}, expected {want}")
        unscored = rows(db, "SELECT COUNT(*) FROM eval_samples e WHERE e.run_id = ? AND "
                            "(SELECT COUNT(*) FROM trait_scores t WHERE t.sample_id = e.id) != ?", run_id, traits)
        if unscored[0][0]:
            problems.append(f"{name}: {unscored[0][0]} samples without all {traits} scores")
    orphans = rows(db, "SELECT COUNT(*) FROM trait_scores WHERE sample_id NOT IN (SELECT id FROM eval_samples)")
    if orphans[0][0]:
        problems.append(f"{orphans[0][0]} trait scores without a sample")
    db.close()
    return problems


def results_of(path):
    """Everything a run produced, keyed by (condition, seed): the numbers that must not move."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.text_factory = bytes  # a byte-level model's answers need not be UTF-8
    out = {}
    key = "(SELECT c.name || '/seed' || r.seed FROM runs r JOIN conditions c ON c.id = r.condition_id WHERE r.id = {})"
    for table, sql in {
        "metrics": "SELECT " + key.format("m.run_id") + ", n.name, m.step, m.value FROM metrics m "
                   "JOIN metric_names n ON n.id = m.name_id WHERE n.name != 'tokens_per_s'",
        "probes": "SELECT " + key.format("run_id") + ", probe, step, logprob FROM probe_logprobs",
        "samples": "SELECT " + key.format("e.run_id") + ", e.step, e.context, e.question_index, e.sample_index, "
                   "e.question, e.response, t.trait, t.score FROM eval_samples e JOIN trait_scores t "
                   "ON t.sample_id = e.id",
    }.items():
        out[table] = sorted(db.execute(sql).fetchall())
    db.close()
    return out


def check_checkpoints(cache, steps):
    problems = []
    for leftover in list(cache.glob("runs/*/*.partial")) + list(cache.glob("runs/*/*.old")) + \
            list(cache.glob("base/*.partial*")) + list(cache.glob("base/*.old")):
        problems.append(f"left behind: {leftover.relative_to(cache)}")
    for ckpt in cache.glob("runs/*/*-seed*"):
        if ckpt.suffix in (".partial", ".old") or not ckpt.is_dir():
            continue
        names = sorted(p.name for p in ckpt.iterdir())
        if names != ["model.safetensors", "optimizer.safetensors", "trainer.json"]:
            problems.append(f"{ckpt.relative_to(cache)} holds {names}")
            continue
        if json.loads((ckpt / "trainer.json").read_text()).get("step") != steps:
            problems.append(f"{ckpt.relative_to(cache)} is not at step {steps}")
    return problems


def base_weights(cache):
    found = sorted(cache.glob("base/*/model.safetensors"))
    return found[0].read_bytes() if len(found) == 1 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=str(ROOT / "build"))
    parser.add_argument("--kills", type=int, default=24, help="SIGKILLs to survive (default 24)")
    parser.add_argument("--steps", type=int, default=150, help="finetuning steps per run")
    parser.add_argument("--every", type=int, default=50, help="evaluate every this many steps")
    parser.add_argument("--pretrain-steps", type=int, default=200)
    parser.add_argument("--questions", type=int, default=12, help="held-out questions per evaluation")
    parser.add_argument("--max-delay", type=float, default=1.0, help="seconds between kills at most")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill schedule")
    parser.add_argument("--checkpoint-seconds", type=int, default=0,
                        help="the soak's checkpoint interval (default 0: every step, so kills hit checkpoint writes)")
    parser.add_argument("--minutes", type=float, default=20, help="give up after this long")
    parser.add_argument("--work-dir", help="keep everything here (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    cli = str(Path(args.build_dir).resolve() / "app/inoculab-cli")
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="inoculab-kill-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    spec = soak_spec(args.steps, args.every, args.pretrain_steps, args.questions)
    spec_path = work / "kill-soak.json"
    spec_path.write_text(json.dumps(spec, indent=2))
    deadline = time.monotonic() + args.minutes * 60

    started = time.monotonic()
    reference = subprocess.run(
        [cli, "experiment", "run", str(spec_path), "--store", str(work / "reference.sqlite"), "--cache",
         str(work / "reference-cache"), "--jobs", "2", "--progress", "none"], capture_output=True, text=True)
    if reference.returncode != 0:
        raise SystemExit("the uninterrupted run failed:\n" + reference.stderr)
    reference_seconds = time.monotonic() - started

    started = time.monotonic()
    kills, history, attempts = soak(cli, spec_path, work / "soak.sqlite", work / "soak-cache", args.kills,
                                    random.Random(args.seed), args.every, deadline, args.checkpoint_seconds,
                                    args.max_delay)
    soak_seconds = time.monotonic() - started

    problems = check_store(work / "soak.sqlite", spec) + check_checkpoints(work / "soak-cache", args.steps)
    if base_weights(work / "soak-cache") is None or \
            base_weights(work / "soak-cache") != base_weights(work / "reference-cache"):
        problems.append("the base model differs from the reference's")
    ours, theirs = results_of(work / "soak.sqlite"), results_of(work / "reference.sqlite")
    for table in theirs:
        if ours[table] != theirs[table]:
            differ = sum(a != b for a, b in zip(ours[table], theirs[table])) + abs(len(ours[table]) - len(theirs[table]))
            problems.append(f"{table}: {differ} of {len(theirs[table])} rows differ from the uninterrupted run")

    lost, recover = recovery(kills, history)
    phases = {}
    for k in kills:
        phases[k["phase"]] = phases.get(k["phase"], 0) + 1
    figures = {
        "kills": len(kills),
        "whole_machine_kills": len({k["time"] for k in kills if k["whole"]}),
        "kills_by_phase": phases,
        "cli_attempts": attempts,
        "checkpoint_seconds": args.checkpoint_seconds,
        "steps_lost_median": statistics.median(lost) if lost else None,
        "steps_lost_max": max(lost) if lost else None,
        "recovery_seconds_median": round(statistics.median(recover), 2) if recover else None,
        "recovery_seconds_max": round(max(recover), 2) if recover else None,
        "reference_seconds": round(reference_seconds, 1),
        "soak_seconds": round(soak_seconds, 1),
        "rows_compared": {t: len(v) for t, v in theirs.items()},
        "problems": problems,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"kills survived: {len(kills)} ({figures['whole_machine_kills']} of the CLI with all its workers), "
              f"{attempts} runs of the CLI")
        for phase, n in sorted(phases.items()):
            print(f"  {phase:<17} {n}")
        print(f"steps lost per kill: median {figures['steps_lost_median']}, max {figures['steps_lost_max']}")
        print(f"time to recover (kill -> back at the step reached): median {figures['recovery_seconds_median']} s, "
              f"max {figures['recovery_seconds_max']} s")
        print(f"uninterrupted run {figures['reference_seconds']} s, soak {figures['soak_seconds']} s; "
              f"compared {figures['rows_compared']}")
        print("problems: " + ("; ".join(problems) if problems else "none"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
