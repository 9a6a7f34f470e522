#!/usr/bin/env bash
# `loom quantize` and `loom convert` never write over their input (issue 16: `quantize IN IN q8_0` replaced its
# input with a lossy copy): the same file by another spelling, a symlink, a hard link, a file inside the input
# folder are refused in one line and leave the input byte-identical. Output goes to a temp file renamed into
# place: a run killed while writing (here by a file-size limit, SIGXFSZ) leaves the old output untouched and
# no temp file behind; a run that succeeds leaves only the output.
# Usage: tests/e2e/safe_writes.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=$(realpath "${1:?usage: safe_writes.sh path/to/loom}")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 tests/e2e/make_tiny_tokenized_model.py --out "$tmp/tok" >/dev/null || { echo "FAIL: tokenized model"; exit 1; }
"$loom" convert "$tmp/tok" -o "$tmp/model.gguf" --type f32 >/dev/null 2>"$tmp/err" ||
    { echo "FAIL: convert: $(cat "$tmp/err")"; exit 1; }
cp "$tmp/model.gguf" "$tmp/original.gguf"
cp -r "$tmp/tok" "$tmp/tok.orig"

# refused WHAT ARGS...: exit 1, one "loom: error:" line that says the output is the input.
refused() {
    local what=$1; shift
    "$loom" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 1 ] || fail "$what: exit $rc, expected 1 (loom $*)"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: expected one stderr line: $(cat "$tmp/err")"
    grep -q "^loom: error:.*does not write over its input" "$tmp/err" || fail "$what: $(cat "$tmp/err")"
}

# 1. quantize onto its input, spelled five ways.
cd "$tmp" || exit 1
ln -s model.gguf link.gguf
ln model.gguf hard.gguf
refused "same path" quantize model.gguf model.gguf q8_0
refused "./ spelling" quantize model.gguf ./model.gguf q8_0
refused "absolute path" quantize ./model.gguf "$tmp/model.gguf" q8_0
refused "symlink to the input" quantize model.gguf link.gguf q8_0
refused "symlink as the input" quantize link.gguf model.gguf q8_0
refused "hard link" quantize model.gguf hard.gguf q8_0
cmp -s model.gguf original.gguf || fail "quantize changed its input"
[ -L link.gguf ] || fail "the symlink was replaced"

# 2. convert onto a file of its input folder.
refused "convert onto a weight file" convert tok -o tok/model.safetensors --type f32
refused "convert onto config.json" convert tok -o ./tok/config.json --type f32
diff -r tok tok.orig >/dev/null || fail "convert changed its input folder"

# 3. A run that succeeds leaves only its output (no temp file), with the usual permissions.
mkdir written && umask 022
"$loom" quantize model.gguf written/q8.gguf q8_0 >/dev/null 2>"$tmp/err" || fail "quantize: $(cat "$tmp/err")"
[ "$(ls -A written)" = "q8.gguf" ] || fail "quantize left more than its output: $(ls -A written)"
[ "$(stat -c %a written/q8.gguf)" = "644" ] || fail "output mode $(stat -c %a written/q8.gguf), expected 644"
"$loom" convert tok -o written/c.gguf --type f32 >/dev/null 2>"$tmp/err" || fail "convert: $(cat "$tmp/err")"
[ "$(ls -A written | tr '\n' ' ')" = "c.gguf q8.gguf " ] || fail "convert left more than its output: $(ls -A written)"

# 4. A run killed while writing (a file-size limit well below the output's size: SIGXFSZ) leaves the old output
#    as it was and no temp file behind.
echo "previous output" >written/q8.gguf
echo "previous output" >written/c.gguf
limit_kb=$(( $(stat -c %s model.gguf) / 1024 / 4 ))
(ulimit -f "$limit_kb"; exec "$loom" quantize model.gguf written/q8.gguf f32) >/dev/null 2>&1 &&
    fail "quantize under a $limit_kb KiB file-size limit succeeded"
(ulimit -f "$limit_kb"; exec "$loom" convert tok -o written/c.gguf --type f32) >/dev/null 2>&1 &&
    fail "convert under a $limit_kb KiB file-size limit succeeded"
[ "$(cat written/q8.gguf)" = "previous output" ] || fail "an interrupted quantize replaced the old output"
[ "$(cat written/c.gguf)" = "previous output" ] || fail "an interrupted convert replaced the old output"
[ "$(ls -A written | tr '\n' ' ')" = "c.gguf q8.gguf " ] || fail "an interrupted run left a temp file: $(ls -A written)"

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "safe_writes: all checks passed"
