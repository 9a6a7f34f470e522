#!/usr/bin/env bash
# `loom run` with the shared flag vocabulary (docs/cli.md) on the default model: a repeatable option takes
# one value per occurrence (`--stop "." PROMPT` keeps the prompt), the prompt comes from a pipe, -f FILE or
# -f -, `-n -1` generates until the context window is full, and a prompt over the context fails before
# anything is echoed. Old spellings (serve --ctx, -np) stay accepted. No check depends on timing.
# Usage: tests/e2e/cli_run_flags.sh path/to/loom   (needs models/SmolLM2-135M-Instruct.Q4_1.gguf)
set -uo pipefail
loom=${1:?usage: cli_run_flags.sh path/to/loom}
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
[ -s "$model" ] || { echo "FAIL: missing $model (run scripts/fetch_default_model.sh)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prompt="The capital of France is"
run() { "$loom" run -m "$model" -t 2 --temp 0 -q "$@"; }

# 1. --stop (and -r) before the prompt: the prompt is still the prompt; repeated, each occurrence one string.
run -n 4 --stop "." "$prompt" >"$tmp/out" 2>"$tmp/err" </dev/null || fail "--stop . PROMPT exited $?: $(cat "$tmp/err")"
[[ "$(cat "$tmp/out")" == "$prompt"* ]] || fail "--stop swallowed the prompt: '$(cat "$tmp/out")'"
run -n 4 --stop "." --stop "!" -r "?" "$prompt" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    fail "--stop A --stop B -r C PROMPT exited $?: $(cat "$tmp/err")"
[[ "$(cat "$tmp/out")" == "$prompt"* ]] || fail "repeated --stop swallowed the prompt: '$(cat "$tmp/out")'"

# 2. The prompt from a pipe, from -f - and from -f FILE: the same greedy completion as the argument.
run -n 4 "$prompt" >"$tmp/want" 2>"$tmp/err" </dev/null || fail "run PROMPT exited $?: $(cat "$tmp/err")"
echo "$prompt" | run -n 4 >"$tmp/got" 2>"$tmp/err" || fail "echo PROMPT | loom run exited $?: $(cat "$tmp/err")"
cmp -s "$tmp/want" "$tmp/got" || fail "piped prompt: '$(cat "$tmp/got")', expected '$(cat "$tmp/want")'"
echo "$prompt" | run -n 4 -f - >"$tmp/got" 2>"$tmp/err" || fail "-f - exited $?: $(cat "$tmp/err")"
cmp -s "$tmp/want" "$tmp/got" || fail "-f -: '$(cat "$tmp/got")', expected '$(cat "$tmp/want")'"
echo "$prompt" >"$tmp/prompt.txt"
run -n 4 -f "$tmp/prompt.txt" >"$tmp/got" 2>"$tmp/err" </dev/null || fail "-f FILE exited $?: $(cat "$tmp/err")"
cmp -s "$tmp/want" "$tmp/got" || fail "-f FILE: '$(cat "$tmp/got")', expected '$(cat "$tmp/want")'"
"$loom" run -m "$model" -n 2 </dev/null >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "^loom: error: no prompt" "$tmp/err" || fail "no prompt at all: $(cat "$tmp/err")"

# 3. -n -1: generate until the context window is full (EOS ignored so the window is the only limit).
"$loom" run -m "$model" -t 2 --temp 0 -c 24 -n -1 --ignore-eos "$prompt" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    fail "-n -1 exited $?: $(cat "$tmp/err")"
python3 - "$tmp/err" <<'PY' || fail "-n -1 did not fill the window of 24 tokens: $(cat "$tmp/err")"
import re, sys
m = re.search(r"prompt (\d+) tokens .* generated (\d+) tokens", open(sys.argv[1]).read())
assert m and int(m.group(1)) + int(m.group(2)) == 24, m and m.groups()
PY

# 4. A prompt over the context window fails before anything reaches stdout.
head -c 100000 /dev/zero | tr '\0' 'a' | sed 's/aaaa/word /g' >"$tmp/long.txt"
"$loom" run -m "$model" -c 64 -f "$tmp/long.txt" >"$tmp/out" 2>"$tmp/err" </dev/null
[ $? -eq 1 ] || fail "100 KB prompt over -c 64 did not fail"
[ ! -s "$tmp/out" ] || fail "100 KB prompt over -c 64 echoed $(wc -c <"$tmp/out") bytes to stdout before failing"
grep -q "^loom: error: .*context window" "$tmp/err" || fail "over-context error: $(cat "$tmp/err")"
"$loom" run -m "$model" -c 16 -n 32 "$prompt" >"$tmp/out" 2>"$tmp/err" </dev/null
[ $? -eq 1 ] && [ ! -s "$tmp/out" ] || fail "prompt + -n over the context echoed '$(cat "$tmp/out")'"

# 5. Old spellings and llama.cpp's -np are still understood (a range error proves the flag was recognised).
for args in "serve --ctx -5" "serve -c -5" "serve -np 0" "serve --parallel 0" "serve --slots 0" \
    "translate -m x --max-new-tokens 0 hi" "bench --n-gen -5" "attention --generate -5 hi"; do
    # shellcheck disable=SC2086
    timeout "${LOOM_TEST_HANG_LIMIT:-120}" "$loom" $args >/dev/null 2>"$tmp/err" </dev/null  # the limit only turns a started server into a failure
    grep -q "^loom: error: .*out of range" "$tmp/err" || fail "'loom $args' was not range-checked as a known flag: $(cat "$tmp/err")"
done

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "cli_run_flags: all passed"
