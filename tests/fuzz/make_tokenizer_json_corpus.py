#!/usr/bin/env python3
"""Writes the seed corpus of the tokenizer.json fuzzer (tests/fuzz/corpus/tokenizer_json/).

Standard library only; the files are committed and this script only needs to run again when
the seeds change. Each valid seed is a complete byte-level BPE tokenizer small enough for the
fuzzer's 4 KiB inputs: the 256 byte tokens, a few merges, and one layout of a real family
(GPT-2, Qwen, Llama 3); the others break one rule the reader checks.
"""

import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "tokenizer_json")


def byte_level_alphabet():
    printable = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255]
    table, n = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + n)
            n += 1
    return table


ALPHABET = byte_level_alphabet()
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
QWEN_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def tokenizer(merges, added=(), normalizer=None, pre=None, ignore_merges=False, pairs=False):
    vocab = {ALPHABET[b]: b for b in range(256)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True}
    return {
        "version": "1.0",
        "added_tokens": [dict({"single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                               "special": True}, **t) for t in added],
        "normalizer": normalizer,
        "pre_tokenizer": pre or byte_level,
        "decoder": byte_level,
        "model": {"type": "BPE", "ignore_merges": ignore_merges, "vocab": vocab,
                  "merges": [[a, b] if pairs else f"{a} {b}" for a, b in merges]},
    }


def split_then_bytes(pattern):
    return {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]}


MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"), ("o", "n"), ("Ġ", "Ġ")]

SEEDS = {
    "gpt2.json": tokenizer(MERGES, added=[{"id": 300, "content": "<|endoftext|>", "normalized": True}]),
    "qwen.json": tokenizer(MERGES + [("Ã", "©")], pairs=True, normalizer={"type": "NFC"},
                           pre=split_then_bytes(QWEN_PATTERN),
                           added=[{"id": 400, "content": "<|im_start|>"}, {"id": 401, "content": "<|im_end|>"},
                                  {"id": 402, "content": "<think>", "special": False}]),
    "llama3.json": tokenizer(MERGES, ignore_merges=True, pre=split_then_bytes(LLAMA3_PATTERN),
                             added=[{"id": 500, "content": "<|begin_of_text|>"}]),
    "strip_prefix.json": tokenizer(MERGES, pre={"type": "ByteLevel", "add_prefix_space": True, "use_regex": True},
                                   added=[{"id": 600, "content": "<s>", "lstrip": True, "rstrip": True},
                                          {"id": 601, "content": "<w>", "single_word": True, "special": False}]),
    "removed_split.json": tokenizer(MERGES, pre={"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"String": " "}, "behavior": "Removed", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]}),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, doc in SEEDS.items():
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
        assert len(text.encode()) < 4096, (name, len(text.encode()))
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write(text)
    bad = {
        "hostile_wordpiece.json": '{"model":{"type":"WordPiece","vocab":{"a":0}},"pre_tokenizer":null}',
        "hostile_truncated.json": json.dumps(SEEDS["gpt2.json"], separators=(",", ":"), ensure_ascii=False)[:1500],
        # Found by the fuzzer: a number beyond double's range is not a parse error to nlohmann.
        "hostile_number_overflow.json": '{"model":{"type":"BPE","vocab":{"a":90e0602220},"merges":[]}}',
        # Found by the fuzzer: a type name with a newline made a two-line error message.
        "hostile_newline_in_type.json": json.dumps(dict(SEEDS["gpt2.json"], pre_tokenizer={"type": "Sequ\nce"}),
                                                   separators=(",", ":"), ensure_ascii=False),
        "hostile_bad_merge.json": '{"model":{"type":"BPE","vocab":{"a":0},"merges":["a q"]},'
                                  '"pre_tokenizer":{"type":"ByteLevel"},"decoder":{"type":"ByteLevel"}}',
    }
    for name, text in bad.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
