#!/usr/bin/env bash
# `loom convert` / `loom quantize` / `loom perplexity` / `--dry-run` end to end:
#   - every tiny architecture converted to f32 is read by gguf-py (the reference reader) with the same tensors
#     and values as its safetensors folder (tests/e2e/check_converted_gguf.py);
#   - a tiny LLaMA with a real byte-level tokenizer (tests/e2e/make_tiny_tokenized_model.py) converted to
#     f32 gives the same greedy text under `loom run` as its folder, and so does `loom quantize` of it to q8_0
#     run against itself (a smoke test that the quantized file loads and runs);
#   - perplexity of the folder and of its f32 conversion agree to float rounding (1e-6 relative);
#   - inspect / run --dry-run state the memory needed and whether it fits.
# Usage: tests/e2e/store_convert.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=$(realpath "${1:?usage: store_convert.sh path/to/loom}")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 scripts/goldens/write_tiny_weights.py --out "$tmp/tiny" >/dev/null || { echo "FAIL: tiny weights"; exit 1; }
for arch in gpt2 llama llama_rope_llama3 mistral qwen2 bloom; do
    if ! "$loom" convert "$tmp/tiny/$arch" -o "$tmp/$arch.gguf" --type f32 >"$tmp/out" 2>"$tmp/err"; then
        fail "convert $arch: $(cat "$tmp/err")"; continue
    fi
    python3 tests/e2e/check_converted_gguf.py "$tmp/tiny/$arch" "$tmp/$arch.gguf" >"$tmp/check" 2>&1 ||
        fail "gguf-py check of $arch: $(cat "$tmp/check")"
done

# A model with a tokenizer: the folder and its conversion complete a prompt identically.
python3 tests/e2e/make_tiny_tokenized_model.py --out "$tmp/tok" >/dev/null || { echo "FAIL: tokenized model"; exit 1; }
"$loom" convert "$tmp/tok" -o "$tmp/tok.gguf" --type f32 >"$tmp/out" 2>"$tmp/err" || fail "convert tok: $(cat "$tmp/err")"
grep -q "tokenizer yes (pre gpt-2)" "$tmp/out" || fail "convert did not report the tokenizer: $(cat "$tmp/out")"
run() { "$loom" run -m "$1" -n 24 --temp 0 -q --ignore-eos "The quick brown fox" 2>"$tmp/err"; }
run "$tmp/tok" >"$tmp/folder.txt" || fail "run folder: $(cat "$tmp/err")"
run "$tmp/tok.gguf" >"$tmp/gguf.txt" || fail "run gguf: $(cat "$tmp/err")"
cmp -s "$tmp/folder.txt" "$tmp/gguf.txt" ||
    fail "greedy text differs: folder '$(cat "$tmp/folder.txt")' vs gguf '$(cat "$tmp/gguf.txt")'"
"$loom" inspect "$tmp/tok.gguf" >"$tmp/inspect" 2>&1 || fail "inspect: $(cat "$tmp/inspect")"
grep -q "tokenizer.chat_template" "$tmp/inspect" || fail "chat template not carried over"

"$loom" quantize "$tmp/tok.gguf" "$tmp/tok.q8.gguf" q8_0 >"$tmp/out" 2>"$tmp/err" || fail "quantize: $(cat "$tmp/err")"
run "$tmp/tok.q8.gguf" >"$tmp/q8.txt" || fail "run q8_0: $(cat "$tmp/err")"
[ -s "$tmp/q8.txt" ] || fail "q8_0 model produced nothing"
"$loom" quantize "$tmp/tok.gguf" "$tmp/x.gguf" q3_k >/dev/null 2>"$tmp/err" && fail "quantize to q3_k succeeded"
grep -q "unknown type 'q3_k'" "$tmp/err" || fail "bad type message: $(cat "$tmp/err")"

# Perplexity: the folder and its f32 GGUF score the same text alike.
head -c 3000 tests/data/upstream/sentencepiece/botchan.txt >"$tmp/text.txt"
ppl() { "$loom" perplexity -m "$1" -f "$tmp/text.txt" -c 64 --json 2>/dev/null | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["perplexity"])'; }
a=$(ppl "$tmp/tok"); b=$(ppl "$tmp/tok.gguf")
# (Not bit for bit: the GGUF stores LLaMA's q/k rows permuted for its RoPE layout, so attention sums the head's
# products in another order; a relative 1e-6 is float rounding, a wrong tensor moves perplexity by far more.)
[ -n "$a" ] && [ -n "$b" ] && python3 -c "import sys; sys.exit(abs($a / $b - 1) > 1e-6)" ||
    fail "perplexity folder $a vs gguf $b"

# Memory: inspect and run --dry-run say what the model needs and whether it fits.
"$loom" inspect -c 128 "$tmp/tok.gguf" | grep -q "memory needed: weights .* KV cache .* at context 128; available RAM .*: fits" ||
    fail "inspect has no memory estimate"
"$loom" run --dry-run -m "$tmp/tok.gguf" -c 128 >"$tmp/dry" 2>&1 || fail "run --dry-run failed: $(cat "$tmp/dry")"
grep -q "KV cache 64.0 KiB" "$tmp/dry" || fail "dry run KV cache (2 x 2 layers x 2 heads x 16 x 128 x 4 B = 64 KiB): $(cat "$tmp/dry")"

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "store_convert: all checks passed"
