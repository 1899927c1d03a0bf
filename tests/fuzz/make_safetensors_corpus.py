#!/usr/bin/env python3
"""Writes the seed corpus of the safetensors fuzzer (tests/fuzz/corpus/safetensors/).

Standard library only, so the seeds can be regenerated anywhere; the files are committed and
this script only needs to run again when the seeds change. Valid seeds are laid out as the
Python reference writes them (8-byte little-endian header length, compact JSON, spaces to an
8-byte boundary); hostile seeds each break one rule the reader checks.
"""

import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "safetensors")


def pack(header, data=b"", pad=True):
    """header: a dict (dumped compactly, key order kept) or raw str/bytes used as is."""
    if isinstance(header, dict):
        header = json.dumps(header, separators=(",", ":"), ensure_ascii=False)
    if isinstance(header, str):
        header = header.encode("utf-8")
    if pad:
        header += b" " * (-(8 + len(header)) % 8)
    return struct.pack("<Q", len(header)) + header + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def seeds():
    f32 = struct.pack("<6f", 1.0, -2.0, 0.5, 3.25, 7.0, -1.0)
    yield "valid_f32.safetensors", pack({"__metadata__": {"format": "pt"}, "w": entry("F32", [2, 3], 0, 24)}, f32)
    # Several dtypes, entries not in name order, a scalar and empty tensors, extra padding.
    mixed = {
        "z.bias": entry("BF16", [2], 0, 4),
        "a.step": entry("I64", [], 4, 12),
        "m.mask": entry("BOOL", [0, 3], 12, 12),
        "b.bytes": entry("U8", [3], 12, 15),
        "e.empty": entry("F16", [0], 15, 15),
        "i.i8": entry("I8", [1], 15, 16),
        "d.f64": entry("F64", [1, 1], 16, 24),
        "h.i16": entry("I16", [2], 24, 28),
        "k.i32": entry("I32", [1], 28, 32),
    }
    body = json.dumps(mixed, separators=(",", ":")) + " " * 13
    yield "valid_mixed.safetensors", pack(body, bytes(range(32)))
    yield "valid_empty.safetensors", pack({})
    yield "valid_metadata_only.safetensors", pack({"__metadata__": {"k": "v", "caf\u00e9": "line\nbreak"}})
    yield "valid_unicode_name.safetensors", pack({"n\u00fc\\\"\u0001": entry("U8", [2], 0, 2)}, b"hi")
    yield "valid_pretty_padding.safetensors", pack(
        json.dumps({"x": entry("I32", [2], 0, 8)}, indent=1) + "\n\t  ", struct.pack("<2i", 5, -5))

    yield "hostile_short.safetensors", b"\x08\x00\x00"
    yield "hostile_length_past_end.safetensors", struct.pack("<Q", 4096) + b"{}"
    yield "hostile_length_huge.safetensors", struct.pack("<Q", 1 << 62) + b"{}"
    yield "hostile_overlap.safetensors", pack({"a": entry("U8", [4], 0, 4), "b": entry("U8", [4], 2, 6)}, b"x" * 6)
    yield "hostile_hole.safetensors", pack({"a": entry("U8", [2], 0, 2), "b": entry("U8", [2], 4, 6)}, b"x" * 6)
    yield "hostile_end_past_buffer.safetensors", pack({"a": entry("U8", [8], 0, 8)}, b"x" * 4)
    yield "hostile_wrong_dtype_size.safetensors", pack({"a": entry("F32", [3], 0, 8)}, b"x" * 8)
    yield "hostile_huge_shape.safetensors", pack({"a": entry("F32", [1 << 62, 1 << 62], 0, 4)}, b"x" * 4)
    yield "hostile_duplicate_names.safetensors", pack(
        '{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}',
        b"x" * 4)
    yield "hostile_non_object.safetensors", pack("[1,2,3]")
    yield "hostile_nul_padding.safetensors", pack(b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}\x00\x00\x00',
                                                   b"x", pad=False)
    yield "hostile_unknown_dtype.safetensors", pack({"a": entry("F8_E4M3", [1], 0, 1)}, b"x")
    yield "hostile_bad_metadata.safetensors", pack({"__metadata__": {"k": 1}, "a": entry("U8", [1], 0, 1)}, b"x")
    yield "hostile_not_utf8.safetensors", pack(b'{"\xff":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"x")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
