#!/usr/bin/env python3
"""Golden files for loom's dequantizers and quantizers, computed with the gguf Python package (numpy).

Rerun from the repository root:

    python3 scripts/goldens/make_quant_goldens.py

The committed files were made with gguf 0.19.0 and numpy 2.4.6 (tests/data/quant/README.md records the same,
and the script warns when the installed versions differ). Output is deterministic: every file has its own seed.

Files (tests/data/quant/), all little-endian:
    dequant_<type>.lqg   random blocks -> gguf.quants.dequantize(blocks)        (checked by test_dequantize)
    quant_<type>.lqg     random f32    -> gguf.quants.quantize(values) bytes    (checked by test_quantize)
Layout: 24-byte header
    char[4] "LQG1", u32 kind (0 = dequant, 1 = quant), u32 ggml type id, u32 n_blocks,
    u32 block_size (elements per block), u32 block_bytes
followed, for kind 0, by n_blocks * block_bytes raw block bytes then n_blocks * block_size f32 values;
for kind 1, by n_blocks * block_size f32 inputs then n_blocks * block_bytes expected block bytes.

Blocks are random bytes except the fp16 scale fields, which get finite values (mostly normal numbers of
moderate size, a few zeros and subnormals) so no NaN/Inf reaches the expected values. K-type packed scale
bytes stay random. The gguf package has no dequantizer for Q8_1/Q8_K and no quantizer for the K types; loom
tests those from their definitions instead.
"""

from __future__ import annotations

import importlib.metadata
import struct
import sys
from pathlib import Path

import numpy as np
from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType as QT
import gguf.quants

MADE_WITH = {"gguf": "0.19.0", "numpy": "2.4.6"}
OUT_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "quant"
KIND_DEQUANT, KIND_QUANT = 0, 1

# Byte offsets of the fp16 scale fields inside each block (see src/tensor/quant_blocks.h).
FP16_FIELDS = {
    QT.Q4_0: [0],
    QT.Q4_1: [0, 2],
    QT.Q5_0: [0],
    QT.Q5_1: [0, 2],
    QT.Q8_0: [0],
    QT.Q2_K: [80, 82],
    QT.Q3_K: [108],
    QT.Q4_K: [0, 2],
    QT.Q5_K: [0, 2],
    QT.Q6_K: [208],
}
LEGACY_BLOCKS, K_BLOCKS, PLAIN_VALUES = 128, 64, 2048
QUANTIZABLE = [QT.Q8_0, QT.Q4_0, QT.Q4_1, QT.Q5_0, QT.Q5_1]


def sane_halves(rng: np.random.Generator, n: int) -> np.ndarray:
    """n finite fp16 values: mostly normal with magnitude 2^-14 .. 2^3, 1/16 zeros, 1/16 subnormals."""
    magnitude = np.exp2(rng.uniform(-14, 3, n)) * rng.uniform(1, 2, n)
    values = (magnitude * rng.choice([-1.0, 1.0], n)).astype(np.float16)
    kind = rng.integers(0, 16, n)
    values[kind == 0] = 0
    subnormal_bits = rng.integers(1, 0x400, n).astype(np.uint16) | (rng.integers(0, 2, n).astype(np.uint16) << 15)
    values[kind == 1] = subnormal_bits.view(np.float16)[kind == 1]
    assert np.all(np.isfinite(values))
    return values


def random_blocks(qtype: QT, n_blocks: int, rng: np.random.Generator) -> np.ndarray:
    """(n_blocks, block_bytes) uint8: random bytes with sane fp16 scale fields."""
    _, block_bytes = GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, (n_blocks, block_bytes), dtype=np.uint8)
    for offset in FP16_FIELDS[qtype]:
        blocks[:, offset : offset + 2] = sane_halves(rng, n_blocks).view(np.uint8).reshape(n_blocks, 2)
    return blocks


def random_inputs(n_blocks: int, block_size: int, rng: np.random.Generator) -> np.ndarray:
    """(n_blocks, block_size) float32 covering the cases a quantizer must get right."""
    scales = np.exp2(rng.uniform(-12, 8, (n_blocks, 1)))
    values = rng.standard_normal((n_blocks, block_size)) * scales
    values[0] = 0  # all zeros: the scale is 0 and no 1/0 may leak into the quants
    values[1] = 0.75  # constant block
    values[2] = np.abs(values[2])  # all positive: min > 0
    values[3] = -np.abs(values[3])  # all negative
    # Half-integer values with max |x| = 127 put x / d exactly on .5 ties: rounding must go away from zero.
    values[4] = rng.integers(-254, 255, block_size) / 2
    values[4, 0] = 127
    values[5, rng.integers(0, block_size)] *= 1000  # one outlier dominating the block scale
    values[6] = -values[6, ::-1]  # sign flip (max |x| negative) in a different position
    return values.astype(np.float32)


def write(path: Path, kind: int, qtype: QT, n_blocks: int, payload: list[bytes]) -> int:
    block_size, block_bytes = GGML_QUANT_SIZES[qtype]
    header = b"LQG1" + struct.pack("<5I", kind, int(qtype), n_blocks, block_size, block_bytes)
    data = header + b"".join(payload)
    path.write_bytes(data)
    return len(data)


def make_dequant(qtype: QT, seed: int) -> int:
    rng = np.random.default_rng(seed)
    block_size, block_bytes = GGML_QUANT_SIZES[qtype]
    if qtype == QT.F16:
        n_blocks = PLAIN_VALUES
        halves = rng.integers(0, 0x10000, n_blocks, dtype=np.uint16)
        halves[(halves & 0x7C00) == 0x7C00] &= 0xFC00  # NaN payloads differ between converters: keep Inf only
        raw = halves.view(np.uint8).reshape(n_blocks, 2)
    elif qtype == QT.BF16:
        n_blocks = PLAIN_VALUES
        raw = rng.integers(0, 256, (n_blocks, 2), dtype=np.uint8)  # every bit pattern is exact, NaN included
    else:
        n_blocks = K_BLOCKS if block_size == 256 else LEGACY_BLOCKS
        raw = random_blocks(qtype, n_blocks, rng)
    expected = gguf.quants.dequantize(raw.reshape(-1), qtype).astype(np.float32, copy=False)
    assert expected.shape == (n_blocks * block_size,), expected.shape
    if qtype in FP16_FIELDS:  # plain F16/BF16 deliberately include Inf (and NaN for BF16)
        assert np.all(np.isfinite(expected)), qtype.name
    return write(OUT_DIR / f"dequant_{qtype.name.lower()}.lqg", KIND_DEQUANT, qtype, n_blocks,
                 [raw.tobytes(), expected.astype("<f4").tobytes()])


def make_quant(qtype: QT, seed: int) -> int:
    rng = np.random.default_rng(seed)
    block_size, block_bytes = GGML_QUANT_SIZES[qtype]
    n_blocks = LEGACY_BLOCKS
    values = random_inputs(n_blocks, block_size, rng)
    expected = gguf.quants.quantize(values.reshape(-1), qtype)
    assert expected.dtype == np.uint8 and expected.size == n_blocks * block_bytes
    return write(OUT_DIR / f"quant_{qtype.name.lower()}.lqg", KIND_QUANT, qtype, n_blocks,
                 [values.astype("<f4").tobytes(), expected.tobytes()])


def main() -> None:
    for package, version in MADE_WITH.items():
        installed = importlib.metadata.version(package)
        if installed != version:
            print(f"warning: {package} {installed} installed, committed goldens used {version}", file=sys.stderr)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    dequant_types = [QT.F16, QT.BF16, QT.Q4_0, QT.Q4_1, QT.Q5_0, QT.Q5_1, QT.Q8_0,
                     QT.Q2_K, QT.Q3_K, QT.Q4_K, QT.Q5_K, QT.Q6_K]
    total = 0
    for qtype in dequant_types:
        total += make_dequant(qtype, seed=1000 + int(qtype))
    for qtype in QUANTIZABLE:
        total += make_quant(qtype, seed=2000 + int(qtype))
    print(f"wrote {len(dequant_types) + len(QUANTIZABLE)} files, {total} bytes, to {OUT_DIR}")


if __name__ == "__main__":
    main()
