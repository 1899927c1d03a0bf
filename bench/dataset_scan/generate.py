#!/usr/bin/python3
"""Writes a deterministic OpenAI chat JSONL dataset for the dataset_scan benchmark.

The file should look like real training data to a validator (varied turn counts and
lengths, non-ASCII text, escapes, \\u escapes, extra keys, some CRLF, a BOM, a last line
without newline) and carry a small share of broken rows of every kind the validator
names, so that a validator that skips checks cannot look fast. The generator knows how
many problems each broken row carries and writes the expected totals next to the file,
which gives run.py a ground truth independent of both validators.

usage: generate.py OUT --rows N [--seed S] [--bad-share F]
Writes OUT and OUT.params.json (parameters + expected totals).
"""
import argparse
import json
import os
import random

VERSION = 1  # bump when the output for given parameters changes, so caches are rebuilt

WORDS = ("the model should answer the question with care and cite a source when it can "
         "training data inoculation prompt behaviour reward hack test case function return "
         "value error list python code step first then finally because however example "
         "please explain why this works user assistant system result number file line").split()
# Two- to four-byte UTF-8, so that string scanning and UTF-8 validation do real work.
FOREIGN = ["café", "naïve", "Größe", "déjà", "façade", "日本語", "中文", "привет", "мир",
           "Ελληνικά", "עברית", "العربية", "한국어", "🙂", "🚀", "∑", "→", "✓"]
ODD = ["\n", "\n\n", "\"", "\\", "\t", "\"quoted\"", "C:\\path", "a\\nb"]


def make_blob(rng, chars=1 << 20):
    # Row contents are slices of one pre-built text: building each from words would make
    # generating 1M rows take minutes for no gain in realism.
    parts, size = [], 0
    while size < chars:
        r = rng.random()
        w = rng.choice(FOREIGN) if r < 0.06 else rng.choice(ODD) if r < 0.09 else rng.choice(WORDS)
        parts.append(w)
        size += len(w) + 1
    return " ".join(parts)


class Rows:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.blob = make_blob(self.rng)

    def text(self, mean, cap):
        n = min(cap, int(self.rng.expovariate(1.0 / mean))) + 3
        start = self.rng.randrange(len(self.blob) - n)
        s = self.blob[start:start + n]
        return s if s.strip(" \t\r\n") else "ok" + s  # blank content is a problem

    def turns(self):
        rng, out = self.rng, []
        if rng.random() < 0.4:
            out.append({"role": "system", "content": self.text(50, 400)})
        for _ in range(rng.choices((1, 2, 3, 4), (60, 25, 10, 5))[0]):
            out.append({"role": "user", "content": self.text(50, 2000)})
            out.append({"role": "assistant", "content": self.text(100, 4000)})
        if rng.random() < 0.05:
            out[-1]["weight"] = 1  # extra keys must be tolerated
        return out

    def good(self):
        row = {"messages": self.turns()}
        if self.rng.random() < 0.1:
            row["id"] = "row-%d" % self.rng.randrange(10**9)
        # A tenth with \uXXXX escapes (surrogate pairs for emoji) instead of raw UTF-8.
        return json.dumps(row, ensure_ascii=self.rng.random() < 0.1).encode()

    def bad(self):
        """One broken row: (line bytes, problems the validator must report)."""
        rng = self.rng
        t = self.turns()
        dump = lambda v: json.dumps(v, ensure_ascii=False).encode()
        extra = lambda turn: dump({"messages": t[:1] + [turn] + t[1:]})
        kind = rng.randrange(17)
        if kind == 0:
            s = json.dumps({"messages": t}, ensure_ascii=False)
            return s[:len(s) // 2].encode(), 1                     # truncated
        if kind == 1:
            return dump({"messages": t})[:-1] + b",}", 1           # trailing comma
        if kind == 2:
            s = dump({"messages": t})
            i = s.index(b'"content": "') + 12
            return s[:i] + b"\xff\xfe" + s[i:], 1                  # invalid UTF-8
        if kind == 3:
            return dump(t), 1                                      # array, not object
        if kind == 4:
            return dump({"msgs": t}), 1                            # missing "messages"
        if kind == 5:
            return dump({"messages": "hello"}), 1                  # not an array
        if kind == 6:
            return extra("just a string"), 1                       # message not an object
        if kind == 7:
            return extra({"role": rng.choice(["tool", "bot", "User", ""]), "content": "x"}), 1
        if kind == 8:
            return extra({"content": "who am I"}), 1               # missing role
        if kind == 9:
            return extra({"role": 3, "content": "three"}), 1       # role not a string
        if kind == 10:
            return extra({"role": "user"}), 1                      # missing content
        if kind == 11:
            v = rng.choice([None, 42, [{"type": "text", "text": "hi"}], {"text": "hi"}, True])
            return extra({"role": "user", "content": v}), 1        # content not a string
        if kind == 12:
            return extra({"role": "user", "content": rng.choice(["", "   ", " \n\t "])}), 1
        if kind == 13:
            return dump({"messages": [m for m in t if m["role"] != "assistant"]}), 1
        if kind == 14:
            return dump({"messages": []}), 1                       # no assistant turn
        if kind == 15:
            return b'{"messages": [1, 2', 1                         # invalid JSON, short
        # Several problems in one row: blank content, unknown role, non-string content,
        # no assistant turn. Keeps problem_count != invalid_rows.
        return dump({"messages": [{"role": "user", "content": ""}, {"role": "bot", "content": 5}]}), 4


def generate(out, rows, seed, bad_share):
    gen = Rows(seed)
    rng = gen.rng
    expected = {"rows": rows, "invalid_rows": 0, "problem_count": 0, "blank_lines": 0}
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        buf = [b"\xef\xbb\xbf"]  # a BOM, as some editors write
        for i in range(rows):
            # The first rows stay valid: format detection reads them.
            if i >= 100 and rng.random() < bad_share:
                line, n = gen.bad()
                expected["invalid_rows"] += 1
                expected["problem_count"] += n
            else:
                line = gen.good()
            end = b"\r\n" if rng.random() < 0.001 else b"\n"
            if i == rows - 1:
                end = b""  # last line without a newline
            buf.append(line + end)
            if rng.random() < 0.00002:
                buf.append(rng.choice([b"\n", b"   \n", b"\t\r\n"]))  # blank: not a row
                expected["blank_lines"] += 1
            if len(buf) >= 4096:
                f.write(b"".join(buf))
                buf.clear()
        f.write(b"".join(buf))
    os.replace(tmp, out)
    expected["bytes"] = os.path.getsize(out)
    return expected


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bad-share", type=float, default=0.001)
    a = p.parse_args()
    params = {"version": VERSION, "rows": a.rows, "seed": a.seed, "bad_share": a.bad_share}
    expected = generate(a.out, a.rows, a.seed, a.bad_share)
    with open(a.out + ".params.json", "w") as f:
        json.dump({"params": params, "expected": expected}, f, indent=2)
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
