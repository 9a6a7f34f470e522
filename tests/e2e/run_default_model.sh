#!/usr/bin/env bash
# End-to-end: `loom run` with the default model (SmolLM2-135M-Instruct Q4_1) — a short greedy completion, then
# bad input that must fail with exit 1 and exactly one "loom: error:" line on stderr.
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch_default_model.sh): fails
# loudly without it.
set -uo pipefail
loom="$1"
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
fail() { echo "run_default_model: FAIL: $*" >&2; exit 1; }
[ -s "$model" ] || fail "missing $model (run scripts/fetch_default_model.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Greedy completion: exit 0, the prompt echoed, a non-empty continuation.
prompt="The three primary colors are"
"$loom" run -m "$model" -n 12 --temp 0 -t 2 "$prompt" > "$tmp/out" 2> "$tmp/err" || fail "run exited $?: $(cat "$tmp/err")"
out=$(cat "$tmp/out")
[[ "$out" == "$prompt"* ]] || fail "output does not start with the prompt: '$out'"
continuation="${out#"$prompt"}"
[ -n "$(echo "$continuation" | tr -d '[:space:]')" ] || fail "empty continuation"
echo "completion: $out"

# 1b. The default model is found without -m (from the repository root).
"$loom" run -n 2 --temp 0 -t 2 -q "Hello" > /dev/null 2> "$tmp/err" || fail "run without -m failed: $(cat "$tmp/err")"

# 2. Bad input: exit code 1 and exactly one "loom: error:" line.
expect_error() {
    local what="$1"; shift
    "$loom" "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$what: exit code $rc, expected 1 (stderr: $(cat "$tmp/err"))"
    [ "$(grep -c '^loom: error: ' "$tmp/err")" -eq 1 ] || fail "$what: expected one 'loom: error:' line, got: $(cat "$tmp/err")"
    echo "$what -> $(cat "$tmp/err")"
}
expect_error "n = 0" run -m "$model" -n 0 "$prompt"
expect_error "n < 0" run -m "$model" -n -3 "$prompt"
expect_error "top-p 1.5" run -m "$model" --top-p 1.5 "$prompt"
expect_error "negative temperature" run -m "$model" --temp -1 "$prompt"
expect_error "prompt over the context" run -m "$model" -c 16 -n 4 "$(printf 'word %.0s' $(seq 1 40))"
expect_error "prompt + n over the context" run -m "$model" -c 16 -n 32 "$prompt"
expect_error "unknown model path" run -m does/not/exist.gguf "$prompt"
echo "run_default_model: OK"
