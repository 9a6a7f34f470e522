#!/usr/bin/env bash
# Runs each libFuzzer target for $1 seconds (default 20) on a copy of its seed corpus (tests/fuzz/corpus/<target>/).
# The targets live in a clang sanitizer build configured with -DLOOM_FUZZ=ON: $LOOM_FUZZ_BUILD if set (test.sh
# points it at its sanitizer build), else build-fuzz/, configured here when needed. A crash, leak or timeout fails
# the script and leaves the input in the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=${LOOM_FUZZ_BUILD:-build-fuzz}
targets=$(ls tests/fuzz/fuzz_*.cpp 2>/dev/null || true)
[ -n "$targets" ] || { echo "no fuzz targets"; exit 0; }
if ! grep -q "^LOOM_FUZZ:BOOL=ON" "$build/CMakeCache.txt" 2>/dev/null; then
    CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" \
        -DLOOM_FUZZ=ON -DLOOM_TESTS=OFF -DLOOM_WERROR=OFF >/dev/null
fi
names=$(for src in $targets; do basename "$src" .cpp; done)
# shellcheck disable=SC2086
cmake --build "$build" --target $names
for name in $names; do
    work=$build/corpus-run/$name
    rm -rf "$work"; mkdir -p "$work"
    [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
    echo "-- $name for ${seconds}s"
    (cd "$build" && "tests/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "corpus-run/$name" 2>&1 | tail -4)
done
echo "fuzz: all targets ran clean"
