#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for $1 seconds (default 20) on a copy of its seed corpus
# (tests/fuzz/corpus/<target>/). A crash, leak or timeout fails the script and leaves the input in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
targets=$(ls tests/fuzz/fuzz_*.cpp 2>/dev/null || true)
[ -n "$targets" ] || { echo "no fuzz targets"; exit 0; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DLOOM_FUZZ=ON \
    -DLOOM_WERROR=OFF >/dev/null
cmake --build build-fuzz
for src in $targets; do
    name=$(basename "$src" .cpp)
    work=build-fuzz/corpus-run/$name
    rm -rf "$work"; mkdir -p "$work"
    [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
    echo "-- $name for ${seconds}s"
    (cd build-fuzz && "tests/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "corpus-run/$name" 2>&1 | tail -4)
done
echo "fuzz: all targets ran clean"
