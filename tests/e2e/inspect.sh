#!/usr/bin/env bash
# `loom inspect` end to end: every vocab-only GGUF, the default model (if fetched), a tiny Hugging Face folder;
# text and --json; and broken inputs must exit 1 with exactly one line "loom: error: ...".
# Usage: tests/e2e/inspect.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=${1:?usage: inspect.sh path/to/loom}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_ok PATH WHAT_TO_GREP...: exit 0, and each pattern appears in the text output.
expect_ok() {
    local path=$1; shift
    if ! "$loom" inspect "$path" >"$tmp/out" 2>"$tmp/err"; then
        fail "inspect $path exited non-zero: $(cat "$tmp/err")"; return
    fi
    for pattern in "$@"; do
        grep -q -- "$pattern" "$tmp/out" || fail "inspect $path: no '$pattern' in output"
    done
    if ! "$loom" inspect --json "$path" >"$tmp/json" 2>"$tmp/err"; then
        fail "inspect --json $path exited non-zero: $(cat "$tmp/err")"; return
    fi
    if command -v python3 >/dev/null; then
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["tensor_count"] == len(d["tensors"])' \
            "$tmp/json" || fail "inspect --json $path: not one valid JSON object"
    fi
}

# expect_error PATH: exit code 1 and exactly one line on stderr, starting "loom: error:".
expect_error() {
    "$loom" inspect "$1" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" -eq 1 ] || fail "inspect $1: exit code $rc, expected 1"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "inspect $1: stderr is not one line: $(cat "$tmp/err")"
    grep -q '^loom: error: ' "$tmp/err" || fail "inspect $1: stderr does not start with 'loom: error:'"
}

count=0
for gguf in tests/data/upstream/vocab-tests/*.gguf; do
    expect_ok "$gguf" "format: GGUF v3" "tokenizer: " "tensors (0):" "parameters: 0"
    count=$((count + 1))
done
[ "$count" -ge 12 ] || fail "expected at least 12 vocab GGUFs, found $count"
expect_ok tests/data/upstream/vocab-tests/ggml-vocab-llama-spm.gguf "tokenizer.ggml.tokens = \[32000 strings\]" \
    "tokenizer: llama, 32000 tokens"

expect_ok tests/data/safetensors/hf_tiny "architecture: llama" "tokenizer: BPE" "model.embed_tokens.weight  *BF16  *\[40, 8\]" \
    "parameters: 520 "
expect_ok tests/data/gguf/python_gguf.gguf "t.q4_k  *Q4_K  *\[1, 256\]  *144"

default_model=models/SmolLM2-135M-Instruct.Q4_1.gguf
if [ -f "$default_model" ]; then
    expect_ok "$default_model" "architecture: llama" "tensors (272):" "tokenizer: gpt2, 49152 tokens" \
        "blk.0.attn_q.weight  *Q4_1  *\[576, 576\]" "memory-mapped"
    head -c 100000 "$default_model" >"$tmp/truncated.gguf"
    expect_error "$tmp/truncated.gguf"
else
    echo "SKIPPED: default model part ($default_model absent; run scripts/fetch_default_model.sh)"
fi

# Broken inputs: truncated vocab file, a file that is not a model, a missing path, a folder without config.json.
head -c 5000 tests/data/upstream/vocab-tests/ggml-vocab-gpt-2.gguf >"$tmp/cut.gguf"
expect_error "$tmp/cut.gguf"
echo "just text" >"$tmp/notes.txt"
expect_error "$tmp/notes.txt"
expect_error "$tmp/does-not-exist.gguf"
mkdir -p "$tmp/empty-folder"
expect_error "$tmp/empty-folder"

if [ "$failures" -ne 0 ]; then
    echo "inspect.sh: $failures failure(s)"
    exit 1
fi
echo "inspect.sh: all checks passed"
