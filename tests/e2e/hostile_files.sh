#!/usr/bin/env bash
# Hostile model files against the CLI (issue 15 items 5 and 8), generated here: a 100k-deep config.json and a
# 50k-deep Sequence in tokenizer.json give one "loom: error:" line naming the 256-level limit (they used to
# overflow the stack); GGUF metadata holding terminal escape sequences is printed escaped by `loom inspect`.
# Usage: tests/e2e/hostile_files.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=${1:?usage: hostile_files.sh path/to/loom}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_one_error WHAT PATTERN COMMAND...: exit 1 and exactly one stderr line "loom: error: ...PATTERN...".
expect_one_error() {
    local what=$1 pattern=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$what: exit code $rc, expected 1 ($(head -c 300 "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: stderr is not one line: $(head -c 300 "$tmp/err")"
    grep -q "^loom: error: .*$pattern" "$tmp/err" || fail "$what: no '$pattern' in: $(head -c 300 "$tmp/err")"
}

python3 - "$tmp" <<'PY'
import os, struct, sys
tmp = sys.argv[1]
os.makedirs(f"{tmp}/deep_config")
with open(f"{tmp}/deep_config/config.json", "w") as f:
    f.write('{"model_type": "llama", "x": ' + "[" * 100000 + "]" * 100000 + "}")
header = b'{"__metadata__": {}}'  # a weights file with no tensors: the folder opens as far as config.json allows
with open(f"{tmp}/deep_config/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header)
depth = 50000
with open(f"{tmp}/deep_tokenizer.json", "w") as f:
    f.write('{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "normalizer": '
            + '{"type": "Sequence", "normalizers": [' * depth + '{"type": "Lowercase"}' + "]}" * depth + "}")

def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

metadata = {"general.architecture": "llama",
            "general.name": "\x1b]0;pwned\x07\x1b[2Jcleared \u009b31m",
            "evil\x1b[31m.key": "red"}
with open(f"{tmp}/escapes.gguf", "wb") as f:
    f.write(b"GGUF" + struct.pack("<IQQ", 3, 0, len(metadata)))
    for key, value in metadata.items():
        f.write(gguf_string(key) + struct.pack("<I", 8) + gguf_string(value))
PY

expect_one_error "inspect a 100k-deep config.json" "nested deeper than 256 levels" "$loom" inspect "$tmp/deep_config"
expect_one_error "tokenize with a 50k-deep Sequence normalizer" "nested deeper than 256 levels" \
    "$loom" tokenize --tokenizer "$tmp/deep_tokenizer.json" "hello"

if "$loom" inspect "$tmp/escapes.gguf" >"$tmp/out" 2>"$tmp/err"; then
    grep -q $'\x1b' "$tmp/out" && fail "inspect printed a raw ESC byte from the file's metadata"
    grep -q $'\xc2\x9b' "$tmp/out" && fail "inspect printed a raw C1 control (CSI) from the file's metadata"
    grep -qF 'general.name = \x1b]0;pwned\x07\x1b[2Jcleared \u009b31m' "$tmp/out" ||
        fail "inspect did not show the escapes visibly: $(grep general.name "$tmp/out")"
    grep -qF 'evil\x1b[31m.key = red' "$tmp/out" || fail "inspect did not escape a metadata key"
else
    fail "inspect of a GGUF with escape sequences in its metadata failed: $(cat "$tmp/err")"
fi

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "hostile_files: all checks passed"
