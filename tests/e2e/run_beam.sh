#!/usr/bin/env bash
# End-to-end: `loom run --num-beams` with the default model (SmolLM2-135M-Instruct Q4_1): N returned sequences
# each with a score, best first; bad beam options fail with exit 1 and exactly one "loom: error:" line.
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch_default_model.sh): fails
# loudly without it. Token-level parity with transformers is tests/parity/test_beam_tiny.cpp.
set -uo pipefail
loom="$1"
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
fail() { echo "run_beam: FAIL: $*" >&2; exit 1; }
[ -s "$model" ] || fail "missing $model (run scripts/fetch_default_model.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prompt="The three primary colors are"

# 1. Two returned sequences: "[1] score S" and "[2] score S" headers, S1 >= S2, each followed by prompt + text.
"$loom" run -m "$model" -t 2 -n 10 --num-beams 3 --num-return-sequences 2 --no-repeat-ngram-size 3 \
    "$prompt" > "$tmp/out" 2> "$tmp/err" || fail "beam run exited $?: $(cat "$tmp/err")"
cat "$tmp/out"
s1=$(sed -n 's/^\[1\] score \(-\?[0-9.]*\).*/\1/p' "$tmp/out")
s2=$(sed -n 's/^\[2\] score \(-\?[0-9.]*\).*/\1/p' "$tmp/out")
[ -n "$s1" ] && [ -n "$s2" ] || fail "expected '[1] score' and '[2] score' lines"
awk -v a="$s1" -v b="$s2" 'BEGIN { exit !(a >= b && a <= 0) }' || fail "scores not best first: $s1 $s2"
[ "$(grep -c "^$prompt" "$tmp/out")" -eq 2 ] || fail "each sequence should start with the prompt"
grep -q "beam search (3 beams)" "$tmp/err" || fail "no summary line on stderr: $(cat "$tmp/err")"

# 2. One sequence: just the text, no score header.
"$loom" run -m "$model" -t 2 -n 6 --num-beams 2 --early-stopping -q "$prompt" > "$tmp/out" 2> "$tmp/err" ||
    fail "beam run exited $?: $(cat "$tmp/err")"
[[ "$(cat "$tmp/out")" == "$prompt"* ]] || fail "output does not start with the prompt: $(cat "$tmp/out")"
grep -q '^\[1\]' "$tmp/out" && fail "a single sequence should have no score header"

# 3. Bad input.
expect_error() {
    local what="$1"; shift
    "$loom" "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$what: exit code $rc, expected 1 (stderr: $(cat "$tmp/err"))"
    [ "$(grep -c '^loom: error: ' "$tmp/err")" -eq 1 ] || fail "$what: expected one 'loom: error:' line, got: $(cat "$tmp/err")"
    echo "$what -> $(cat "$tmp/err")"
}
expect_error "more sequences than beams" run -m "$model" --num-beams 2 --num-return-sequences 3 "$prompt"
expect_error "stop strings with beams" run -m "$model" --num-beams 2 --stop "." -p "$prompt"
expect_error "both early-stopping flags" run -m "$model" --num-beams 2 --early-stopping --early-stopping-never "$prompt"
expect_error "prompt + n over the context" run -m "$model" --num-beams 2 -c 16 -n 32 "$prompt"
echo "run_beam: OK"
