#!/usr/bin/env bash
# Configures and builds loom into build/ (Release, unity batches: the fastest cold build). Extra arguments go to
# cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOOM_UNITY_BUILD=ON "$@" >/dev/null
cmake --build build
