#!/usr/bin/env bash
# `loom perplexity --save-logits` / `--kl-divergence` end to end, on a tiny LLaMA with a real tokenizer:
#   - a run compared with its own saved logits has KL ~0 (16-bit rounding only), top-1 agreement 1 and the same
#     perplexity as the reference;
#   - the fast path compared with the --f32-activations reference gives a finite, non-negative KL;
#   - --kl-values writes one KL per scored position;
#   - a truncated or foreign logits file, -f given with --kl-divergence, and --kl-values without it fail with
#     one line.
# Usage: tests/e2e/perplexity_kl.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=$(realpath "${1:?usage: perplexity_kl.sh path/to/loom}")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 tests/e2e/make_tiny_tokenized_model.py --out "$tmp/tok" >/dev/null || { echo "FAIL: tokenized model"; exit 1; }
"$loom" convert "$tmp/tok" -o "$tmp/tok.gguf" --type f32 >/dev/null 2>"$tmp/err" || { echo "FAIL: convert: $(cat "$tmp/err")"; exit 1; }
"$loom" quantize "$tmp/tok.gguf" "$tmp/q8.gguf" q8_0 >/dev/null 2>"$tmp/err" || { echo "FAIL: quantize: $(cat "$tmp/err")"; exit 1; }
head -c 3000 tests/data/upstream/sentencepiece/botchan.txt >"$tmp/text.txt"

"$loom" perplexity -m "$tmp/q8.gguf" -f "$tmp/text.txt" -c 64 --chunks 3 --f32-activations --json \
    --save-logits "$tmp/ref.kld" >"$tmp/save.json" 2>"$tmp/err" || fail "save-logits: $(cat "$tmp/err")"
[ -s "$tmp/ref.kld" ] || fail "no logits file written"

# field FILE KEY: one number from a JSON line
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

"$loom" perplexity -m "$tmp/q8.gguf" --f32-activations --kl-divergence "$tmp/ref.kld" --json >"$tmp/self.json" \
    2>"$tmp/err" || fail "kl-divergence against itself: $(cat "$tmp/err")"
if [ -s "$tmp/self.json" ]; then
    python3 - "$tmp/self.json" "$tmp/save.json" <<'PY' || fail "self comparison: $(cat "$tmp/self.json")"
import json, sys
s, saved = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert s["scored_tokens"] == saved["scored_tokens"] == 3 * 63, s
assert 0 <= s["kl_mean"] < 1e-6 and s["kl_max"] < 1e-5, s
assert s["top1_agreement"] == 1.0, s
assert abs(s["perplexity"] / s["ref_perplexity"] - 1) < 1e-5, s
assert abs(s["ref_perplexity"] / saved["perplexity"] - 1) < 1e-5, (s, saved)
PY
fi

"$loom" perplexity -m "$tmp/q8.gguf" --kl-divergence "$tmp/ref.kld" --json --kl-values "$tmp/values.txt" \
    >"$tmp/fast.json" 2>"$tmp/err" || fail "kl-divergence of the fast path: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/values.txt")" -eq 189 ] || fail "--kl-values wrote $(wc -l <"$tmp/values.txt") lines, expected 189"
python3 -c 'import json,sys,math; s=json.load(open(sys.argv[1])); assert 0 <= s["kl_mean"] <= s["kl_max"] and math.isfinite(s["kl_max"]) and 0 <= s["top1_agreement"] <= 1, s' \
    "$tmp/fast.json" 2>/dev/null || fail "fast-path comparison: $(cat "$tmp/fast.json")"

# one_line_error WHAT PATTERN: the last command failed with exactly one stderr line matching PATTERN
one_line_error() {
    local rc=$1
    [ "$rc" -ne 0 ] || fail "$2 succeeded"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "$3" "$tmp/err" || fail "$2 error: $(cat "$tmp/err")"
}
head -c $(($(stat -c %s "$tmp/ref.kld") - 1000)) "$tmp/ref.kld" >"$tmp/short.kld"
"$loom" perplexity -m "$tmp/q8.gguf" --kl-divergence "$tmp/short.kld" >/dev/null 2>"$tmp/err"
one_line_error $? "truncated logits file" "truncated"
"$loom" perplexity -m "$tmp/q8.gguf" --kl-divergence "$tmp/text.txt" >/dev/null 2>"$tmp/err"
one_line_error $? "text file as logits file" "not a loom logits file"
"$loom" perplexity -m "$tmp/q8.gguf" --kl-divergence "$tmp/ref.kld" -f "$tmp/text.txt" >/dev/null 2>"$tmp/err"
one_line_error $? "-f with --kl-divergence" "takes its tokens and windows from the logits file"
"$loom" perplexity -m "$tmp/q8.gguf" -f "$tmp/text.txt" --kl-values "$tmp/v.txt" >/dev/null 2>"$tmp/err"
one_line_error $? "--kl-values without --kl-divergence" "goes with --kl-divergence"

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "perplexity_kl: all checks passed"
