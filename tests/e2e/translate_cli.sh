#!/usr/bin/env bash
# `loom translate | summarize` end to end on the tiny encoder-decoder models (regenerated with numpy by
# scripts/goldens/write_tiny_seq2seq.py): greedy output text equal to the golden recorded with transformers +
# sentencepiece (tests/data/seq2seq/{t5-v1_0,marian}.json "text"), a file of sources (one output line each, a
# progress bar on stderr, batched equal to one by one), beam search, and bad input exiting 1 with one
# "loom: error:" line.
# Usage: tests/e2e/translate_cli.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=${1:?usage: translate_cli.sh path/to/loom}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 scripts/goldens/write_tiny_seq2seq.py --out "$tmp/m" || { echo "FAIL: python3 + numpy + safetensors needed"; exit 1; }

golden_text() {  # golden_text MODEL FIELD
    python3 -c "import json,sys; print(json.load(open('tests/data/seq2seq/$1.json'))['text']['$2'])"
}

expect_error() {  # expect_error WHAT ARGS...: exit 1, one stderr line "loom: error: ..." containing WHAT
    local what=$1; shift
    "$loom" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$* exited $rc, expected 1"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$*: expected one stderr line: $(cat "$tmp/err")"
    grep -q "^loom: error:.*$what" "$tmp/err" || fail "$*: stderr lacks 'loom: error: ...$what': $(cat "$tmp/err")"
}

# Greedy translation equals the reference text (T5 with its task prefix; Marian with its own pair).
input=$(golden_text t5-v1_0 input)
out=$("$loom" translate -m "$tmp/m/t5-v1_0" --from en --to de -n 16 -t 1 "$input" 2>"$tmp/err") ||
    fail "t5 translate exited non-zero: $(cat "$tmp/err")"
[ "$out" = "$(golden_text t5-v1_0 output_text)" ] || fail "t5 translate: got '$out', expected '$(golden_text t5-v1_0 output_text)'"
out=$("$loom" translate -m "$tmp/m/marian" --from en --to de -n 16 -t 1 "$input" 2>"$tmp/err") ||
    fail "marian translate exited non-zero: $(cat "$tmp/err")"
[ "$out" = "$(golden_text marian output_text)" ] || fail "marian translate: got '$out', expected '$(golden_text marian output_text)'"

# A file: one output line per source, a progress bar on stderr, the batched run equal to one at a time.
printf '%s\nI am a cat.\nHello world, this is a longer line of text.\n' "$input" >"$tmp/in.txt"
"$loom" translate -m "$tmp/m/t5-v1_0" --from en --to de -n 12 -i "$tmp/in.txt" >"$tmp/batched" 2>"$tmp/err" ||
    fail "translate -i exited non-zero: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/batched")" -eq 3 ] || fail "translate -i: expected 3 lines, got $(wc -l <"$tmp/batched")"
grep -q "3/3" "$tmp/err" || fail "translate -i: no progress bar on stderr: $(cat "$tmp/err")"
"$loom" translate -m "$tmp/m/t5-v1_0" --from en --to de -n 12 --batch-size 1 -i "$tmp/in.txt" >"$tmp/single" 2>/dev/null
cmp -s "$tmp/batched" "$tmp/single" || fail "batched and one-by-one translations differ"

# Summaries, beams and sampling run and print one line.
"$loom" summarize -m "$tmp/m/t5-v1_1" -n 8 "$input" >"$tmp/out" 2>"$tmp/err" || fail "summarize t5: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "summarize: expected one line"
"$loom" translate -m "$tmp/m/marian" --num-beams 4 --no-repeat-ngram-size 3 --length-penalty 0.6 -n 8 "$input" \
    >"$tmp/out" 2>"$tmp/err" || fail "beam translate: $(cat "$tmp/err")"
# --num-return-sequences: N "score<TAB>text" lines per source, best first (scores non-increasing), a blank line
# between sources, the first text equal to the plain beam output; more than --num-beams is an error.
printf '%s\nHello world.\n' "$input" >"$tmp/two.txt"
"$loom" translate -m "$tmp/m/marian" --num-beams 4 --num-return-sequences 3 -n 8 -i "$tmp/two.txt" >"$tmp/nrs" \
    2>"$tmp/err" || fail "--num-return-sequences: $(cat "$tmp/err")"
"$loom" translate -m "$tmp/m/marian" --num-beams 4 -n 8 -i "$tmp/two.txt" >"$tmp/best" 2>/dev/null ||
    fail "beam translate of a file"
python3 - "$tmp/nrs" "$tmp/best" <<'PY' || fail "--num-return-sequences output: $(cat "$tmp/nrs")"
import sys
blocks = open(sys.argv[1]).read().rstrip("\n").split("\n\n")
best = open(sys.argv[2]).read().split("\n")
assert len(blocks) == 2, blocks
for block, want in zip(blocks, best):
    rows = [line.split("\t", 1) for line in block.split("\n")]
    assert len(rows) == 3 and all(len(r) == 2 for r in rows), rows
    scores = [float(r[0]) for r in rows]
    assert scores == sorted(scores, reverse=True) and all(s <= 0 for s in scores), scores
    assert rows[0][1] == want, (rows[0][1], want)
PY
expect_error "needs --num-beams" translate -m "$tmp/m/marian" --num-beams 2 --num-return-sequences 3 "hello"
"$loom" translate -m "$tmp/m/t5-v1_0" --from en --to de --temp 0.9 --seed 7 -n 8 "$input" >"$tmp/a" 2>/dev/null &&
    "$loom" translate -m "$tmp/m/t5-v1_0" --from en --to de --temp 0.9 --seed 7 -n 8 "$input" >"$tmp/b" 2>/dev/null &&
    cmp -s "$tmp/a" "$tmp/b" || fail "sampling with a fixed seed is not reproducible"

# Bad input.
long=$(for i in $(seq 100); do printf 'word '; done)
expect_error "longer than the encoder allows" translate -m "$tmp/m/marian" --no-truncate "$long"
"$loom" translate -m "$tmp/m/marian" --truncate -n 4 "$long" >/dev/null 2>"$tmp/err" || fail "--truncate: $(cat "$tmp/err")"
expect_error "translates en -> de, not en -> fr" translate -m "$tmp/m/marian" --from en --to fr "hello"
expect_error "needs --from and --to" translate -m "$tmp/m/t5-v1_0" "hello"
expect_error "only translate" summarize -m "$tmp/m/marian" "hello"
python3 - "$tmp/m/marian/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c.pop("decoder_start_token_id"); c.pop("bos_token_id")
json.dump(c, open(sys.argv[1], "w"))
PY
expect_error "no decoder start token" translate -m "$tmp/m/marian" "hello"
sed -i 's/"model_type": "bart"/"model_type": "pegasus"/' "$tmp/m/bart/config.json"
expect_error "unknown" summarize -m "$tmp/m/bart" "hello"
expect_error "no text" translate -m "$tmp/m/t5-v1_0" --from en --to de

[ "$failures" -eq 0 ] && echo "translate_cli: all passed"
exit $((failures > 0))
