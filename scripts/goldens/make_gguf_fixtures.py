#!/usr/bin/env python3
"""Golden GGUF fixture written by the reference writer (PyPI `gguf`, 0.8.0 when made), for tests/unit/test_gguf_python.cpp.

Writes, under tests/data/gguf/:
  python_gguf.gguf           metadata of every GGUF value type (incl. nested arrays) and tensors of several dtypes
  python_gguf.expected.json  what the file holds, as the test expects loom to read it: every key with its type
                             name and value, every tensor with dtype, shape (outermost first) and bytes (hex)

Rerun:  python3 scripts/goldens/make_gguf_fixtures.py
Check a GGUF that loom wrote with the same content (the other direction of the cross-check):
        LOOM_GGUF_WRITE_TO=/tmp/loom.gguf build/unit_test_gguf_python --gtest_filter='*LoomWrites*'
        python3 scripts/goldens/make_gguf_fixtures.py --check /tmp/loom.gguf
"""
import argparse
import json
import os
import sys

import numpy as np
import gguf
from gguf import GGUFValueType as VT, GGMLQuantizationType as QT

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "..", "tests", "data", "gguf")
GGUF_PATH = os.path.join(OUT_DIR, "python_gguf.gguf")
EXPECTED_PATH = os.path.join(OUT_DIR, "python_gguf.expected.json")

# (key, GGUF type, value, array element type or None). general.architecture comes first from GGUFWriter(arch=...).
METADATA = [
    ("general.architecture", VT.STRING, "llama", None),
    ("test.uint8", VT.UINT8, 200, None),
    ("test.int8", VT.INT8, -100, None),
    ("test.uint16", VT.UINT16, 65000, None),
    ("test.int16", VT.INT16, -32000, None),
    ("test.uint32", VT.UINT32, 4000000000, None),
    ("test.int32", VT.INT32, -2000000000, None),
    ("test.float32", VT.FLOAT32, 1e-05, None),
    ("test.bool_true", VT.BOOL, True, None),
    ("test.bool_false", VT.BOOL, False, None),
    ("test.string", VT.STRING, "héllo, wörld ✓", None),
    ("test.uint64", VT.UINT64, 18000000000000000000, None),
    ("test.int64", VT.INT64, -9000000000000000000, None),
    ("test.float64", VT.FLOAT64, 3.141592653589793, None),
    ("test.array_uint8", VT.ARRAY, [0, 1, 255], VT.UINT8),
    ("test.array_int32", VT.ARRAY, [-1, 0, 7, 2147483647], VT.INT32),
    ("test.array_float32", VT.ARRAY, [0.5, -2.25, 1e-05], VT.FLOAT32),
    ("test.array_string", VT.ARRAY, ["a", "", "<|endoftext|>", "Ġthe"], VT.STRING),
    ("test.array_bool", VT.ARRAY, [True, False, True], VT.BOOL),
    ("test.array_int64", VT.ARRAY, [-5, 9000000000000000000], VT.INT64),
    ("test.array_float64", VT.ARRAY, [0.1, -1e300], VT.FLOAT64),
    # Nested: the reference writer infers inner element types (Python str -> STRING, int -> INT32).
    ("test.nested_strings", VT.ARRAY, [["x", "yz"], ["w"]], VT.ARRAY),
    ("test.nested_ints", VT.ARRAY, [[1, 2, 3], [4]], VT.ARRAY),
    ("llama.block_count", VT.UINT32, 2, None),
    ("llama.rope.freq_base", VT.FLOAT32, 10000.0, None),
]
NESTED_INNER = {"test.nested_strings": "STRING", "test.nested_ints": "INT32"}


def tensors():
    """(name, loom dtype name, shape outermost first, raw bytes) — deterministic pseudo-random data."""
    rng = np.random.default_rng(1234)
    out = []
    f32 = rng.standard_normal((3, 5)).astype(np.float32)
    out.append(("t.f32", "F32", [3, 5], f32))
    out.append(("t.f16", "F16", [2, 4], rng.standard_normal((2, 4)).astype(np.float16)))
    out.append(("t.f64", "F64", [3], rng.standard_normal(3)))
    out.append(("t.i8", "I8", [7], rng.integers(-128, 127, 7, dtype=np.int8)))
    out.append(("t.i16", "I16", [2, 3], rng.integers(-30000, 30000, (2, 3), dtype=np.int16)))
    out.append(("t.i32", "I32", [1, 1, 5], rng.integers(-2**31, 2**31 - 1, (1, 1, 5), dtype=np.int32)))
    out.append(("t.i64", "I64", [2], rng.integers(-2**62, 2**62, 2, dtype=np.int64)))
    out.append(("t.vec4d", "F32", [2, 1, 3, 2], rng.standard_normal((2, 1, 3, 2)).astype(np.float32)))
    # Quantized and bf16 tensors as raw bytes: (rows, bytes per row) with raw_dtype.
    out.append(("t.q4_0", "Q4_0", [2, 64], rng.integers(0, 256, (2, 2 * 18), dtype=np.uint8), QT.Q4_0))
    out.append(("t.q8_0", "Q8_0", [1, 32], rng.integers(0, 256, (1, 34), dtype=np.uint8), QT.Q8_0))
    out.append(("t.q4_k", "Q4_K", [1, 256], rng.integers(0, 256, (1, 144), dtype=np.uint8), QT.Q4_K))
    out.append(("t.bf16", "BF16", [2, 3], rng.integers(0, 256, (2, 6), dtype=np.uint8), QT.BF16))
    return out


def expected_json():
    meta = []
    for key, vtype, value, sub in METADATA:
        entry = {"key": key, "type": vtype.name, "value": value}
        if sub is not None:
            entry["element_type"] = sub.name
        if key in NESTED_INNER:
            entry["inner_type"] = NESTED_INNER[key]
        meta.append(entry)
    ts = [{"name": t[0], "dtype": t[1], "shape": t[2], "hex": np.ascontiguousarray(t[3]).tobytes().hex()}
          for t in tensors()]
    return {"metadata": meta, "tensors": ts}


def write():
    os.makedirs(OUT_DIR, exist_ok=True)
    writer = gguf.GGUFWriter(GGUF_PATH, "llama")
    for key, vtype, value, sub in METADATA[1:]:
        writer.add_key_value(key, value, vtype, sub_type=sub)
    for t in tensors():
        if len(t) == 5:
            writer.add_tensor(t[0], t[3], raw_dtype=t[4])
        else:
            writer.add_tensor(t[0], t[3])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with open(EXPECTED_PATH, "w", encoding="utf-8") as f:
        json.dump(expected_json(), f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {GGUF_PATH} ({os.path.getsize(GGUF_PATH)} bytes) and {EXPECTED_PATH}")


def field_value(field):
    """A GGUFReader field as a plain Python value (nested arrays decoded level by level)."""
    vtype = field.types[0]
    if vtype == VT.STRING:
        return bytes(field.parts[field.data[0]]).decode("utf-8")
    if vtype != VT.ARRAY:
        return field.parts[field.data[0]].tolist()[0]
    if field.types[1] == VT.STRING:
        return [bytes(field.parts[i]).decode("utf-8") for i in field.data]
    if field.types[1] == VT.ARRAY:
        return None  # GGUFReader does not decode nested arrays; checked via the raw bytes below
    return [field.parts[i].tolist()[0] for i in field.data]


def check(path):
    """Reads `path` with the reference reader and checks it holds exactly what expected_json() says."""
    reader = gguf.GGUFReader(path)
    expected = expected_json()
    names = [k for k in reader.fields if not k.startswith("GGUF.")]
    assert names == [m["key"] for m in expected["metadata"]], f"keys differ: {names}"
    for m in expected["metadata"]:
        field = reader.fields[m["key"]]
        assert field.types[0].name == m["type"], (m["key"], field.types)
        if "element_type" in m:
            assert field.types[1].name == m["element_type"], (m["key"], field.types)
        value = field_value(field)
        if value is None:
            continue
        want = m["value"]
        if m["type"] == "FLOAT32" or m.get("element_type") == "FLOAT32":
            want = np.array(want, dtype=np.float32).tolist()
        assert value == want, (m["key"], value, want)
    assert [t.name for t in reader.tensors] == [t["name"] for t in expected["tensors"]]
    for t, e in zip(reader.tensors, expected["tensors"]):
        assert t.tensor_type.name == e["dtype"], (t.name, t.tensor_type)
        assert list(reversed(t.shape.tolist())) == e["shape"], (t.name, t.shape)
        assert t.data.tobytes().hex() == e["hex"], t.name
    print(f"{path}: the Python gguf reader reads every key and tensor as expected")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", metavar="GGUF", help="check a GGUF (e.g. written by loom) instead of writing")
    args = parser.parse_args()
    if args.check:
        check(args.check)
    else:
        write()
        check(GGUF_PATH)
    sys.exit(0)
