#!/usr/bin/env bash
# Installs the Debian packages loom builds and tests with. Safe to rerun; skips apt when all are present.
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config nlohmann-json3-dev libpcre2-dev libutf8proc-dev libcli11-dev
          libgtest-dev libgmock-dev libbenchmark-dev sentencepiece libsentencepiece-dev clang libclang-rt-14-dev
          python3 python3-pip python3-venv unzip libcairo2-dev fonts-dejavu-core libcurl4-openssl-dev libcpp-httplib-dev
          libssl-dev zlib1g-dev chromium chromium-driver libedit-dev tmux)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python packages the tests use to regenerate tiny random-weight model folders (numpy + safetensors only;
# the goldens themselves were made with transformers/tokenizers and are committed, so CI needs no torch).
python3 - <<'PY' 2>/dev/null || python3 -m pip install --quiet numpy safetensors
import numpy, safetensors
PY

# loom serve's end-to-end tests: the official OpenAI client, Selenium (drives the Debian chromium above) and
# jsonschema (judges structured outputs and tool-call arguments).
python3 - <<'PY' 2>/dev/null || python3 -m pip install --quiet openai selenium jsonschema
import openai, selenium, jsonschema
PY

# loom convert's end-to-end test reads the GGUF it writes with gguf-py, the reference GGUF reader.
python3 - <<'PY' 2>/dev/null || python3 -m pip install --quiet gguf
import gguf
PY
