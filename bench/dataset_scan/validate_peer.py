#!/usr/bin/python3
"""The comparison point for `inoculab-cli dataset validate`: the same rules for OpenAI chat
JSONL, written the way a careful Python user would, with the standard `json` module only.

It mirrors core/data (line_scanner.cpp, row_scan.cpp, record_parser.cpp, validation.cpp)
rule for rule and problem for problem, so that run.py can demand identical totals; a
faster validator that counts differently would prove nothing.

One known difference, left in on purpose: with a key given twice in one object, simdjson
reads the first and Python's json the last. Mirroring that needs object_pairs_hook, a
Python call per object, which would slow the peer and flatter the C++ side; the
generator never writes duplicate keys.

usage: validate_peer.py FILE   ->  one JSON object with the totals on stdout
"""
import json
import sys

MAX_LINE_BYTES = 64 << 20  # LineScanner::kMaxLineBytes
ROLES = ("system", "user", "assistant")
BOM = b"\xef\xbb\xbf"


def _no_constant(name):
    # Python accepts NaN and Infinity; JSON (and simdjson) do not.
    raise ValueError("not JSON: " + name)


def _float(text):
    # simdjson rejects numbers that overflow a double; Python would make them inf.
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _int(text):
    # simdjson stores integers in 64 bits; bigger ones are an error there.
    value = int(text)
    if not -(1 << 63) <= value < (1 << 64):
        raise ValueError("integer out of range")
    return value


_decoder = json.JSONDecoder(parse_constant=_no_constant, parse_float=_float, parse_int=_int)


def _has_lone_surrogate(value):
    # Python decodes "\ud800" alone into a lone surrogate; simdjson rejects it as a
    # string error. Encoding to UTF-8 fails exactly on lone surrogates.
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    return False


def _type_name(value):
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def row_problems(text):
    """Number of problems in one non-blank line (bytes, line end removed)."""
    try:
        root = _decoder.decode(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return 1  # invalid UTF-8 or invalid JSON: one problem, as in describeSyntaxError
    if b"\\u" in text and _has_lone_surrogate(root):
        return 1
    if not isinstance(root, dict):
        return 1
    if "messages" not in root:
        return 1
    turns = root["messages"]
    if not isinstance(turns, list):
        return 1
    problems = 0
    saw_assistant = False
    for turn in turns:
        if not isinstance(turn, dict):
            problems += 1
            continue
        role = turn.get("role")
        if role is None and "role" not in turn:
            problems += 1  # missing
        elif not isinstance(role, str):
            problems += 1  # not a string
        elif role not in ROLES:
            problems += 1  # unknown role ("" included: roles may be empty, then are unknown)
        elif role == "assistant":
            saw_assistant = True
        content = turn.get("content")
        if content is None and "content" not in turn:
            problems += 1
        elif not isinstance(content, str):
            problems += 1
        elif not content.strip(" \t\r\n"):
            problems += 1  # blank content
    if not saw_assistant:
        problems += 1
    return problems


def validate(path):
    lines = blank = rows = invalid = problems = 0
    with open(path, "rb") as f:
        first = True
        for raw in f:
            if first:
                first = False
                if raw.startswith(BOM):
                    raw = raw[3:]
            lines += 1
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            length = len(raw)  # like Line::length: '\r' counted, '\n' not
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if not raw.strip(b" \t\r"):
                blank += 1
                continue
            n = 1 if length > MAX_LINE_BYTES else row_problems(raw)
            rows += 1
            if n:
                invalid += 1
                problems += n
    if rows == 0:
        problems += 1  # "file is empty" / "file has only blank lines"
    return {"file": path, "lines": lines, "blank_lines": blank, "rows": rows,
            "invalid_rows": invalid, "problem_count": problems}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: validate_peer.py FILE")
    print(json.dumps(validate(sys.argv[1])))
