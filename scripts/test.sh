#!/usr/bin/env bash
# The test command: builds loom (Release, then ASan+UBSan), runs every CTest test in both builds, then each
# libFuzzer target for a bounded time on its committed seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/fetch_default_model.sh
bash scripts/fetch_minilm.sh
jobs=$(nproc)

echo "== Release build and tests"
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DLOOM_SANITIZE=ON >/dev/null
cmake --build build-asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow

echo "== Fuzz targets (bounded)"
bash scripts/fuzz.sh "${LOOM_FUZZ_SECONDS:-20}"
