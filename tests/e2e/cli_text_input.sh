#!/usr/bin/env bash
# Text input the same way in every command that takes text (docs/cli.md, "Text from stdin"): a pipe or -f -
# gives what the argument gives; files of texts keep one output per line, blank lines included, so "index" is
# the 0-based line number (embed: a blank line is the empty string; search: blank lines are not documents but
# count as lines); -t on the encoder commands; over-long inputs are cut with a warning by default and refused
# with --no-truncate, in the encoder commands and translate alike. Tiny models regenerated with numpy.
# Usage: tests/e2e/cli_text_input.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=${1:?usage: cli_text_input.sh path/to/loom}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 scripts/goldens/write_tiny_encoders.py "$tmp/m" >/dev/null || { echo "FAIL: python3 + numpy + safetensors needed"; exit 1; }
python3 scripts/goldens/write_tiny_seq2seq.py --out "$tmp/s" >/dev/null || { echo "FAIL: python3 + numpy + safetensors needed"; exit 1; }

# same_output NAME ARGS...: `loom ARGS TEXT`, `echo TEXT | loom ARGS`, `echo TEXT | loom ARGS -f -` and
# `loom ARGS -f FILE` print the same thing.
text="Paris is the capital of France."
echo "$text" >"$tmp/text.txt"
same_output() {
    local name=$1; shift
    "$loom" "$@" "$text" >"$tmp/want" 2>"$tmp/err" </dev/null || { fail "$name with an argument exited $?: $(cat "$tmp/err")"; return; }
    echo "$text" | "$loom" "$@" >"$tmp/got" 2>"$tmp/err" || fail "$name from a pipe exited $?: $(cat "$tmp/err")"
    cmp -s "$tmp/want" "$tmp/got" || fail "$name from a pipe differs: $(head -c 300 "$tmp/got")"
    echo "$text" | "$loom" "$@" -f - >"$tmp/got" 2>"$tmp/err" || fail "$name -f - exited $?: $(cat "$tmp/err")"
    cmp -s "$tmp/want" "$tmp/got" || fail "$name -f - differs: $(head -c 300 "$tmp/got")"
    "$loom" "$@" -f "$tmp/text.txt" >"$tmp/got" 2>"$tmp/err" </dev/null || fail "$name -f FILE exited $?: $(cat "$tmp/err")"
    cmp -s "$tmp/want" "$tmp/got" || fail "$name -f FILE differs: $(head -c 300 "$tmp/got")"
}
same_output embed embed -m "$tmp/m/bert" -t 1
same_output ner ner -m "$tmp/m/bert-ner" -t 1
text="Paris is the [MASK] of France."; echo "$text" >"$tmp/text.txt"
same_output fill-mask fill-mask -m "$tmp/m/bert-mlm" -t 1 -k 2
text="I am a cat."; echo "$text" >"$tmp/text.txt"
same_output translate translate -m "$tmp/s/marian" -n 8 -t 1
same_output summarize summarize -m "$tmp/s/t5-v1_1" -n 8 -t 1
same_output attention attention -m "$tmp/m/bert" -t 1 -q -o "$tmp/att"

# tokenize keeps every byte of a file or a pipe (the final line break too): a pipe equals -f FILE.
"$loom" tokenize --tokenizer "$tmp/m/bert/tokenizer.json" --json -f "$tmp/text.txt" >"$tmp/want" 2>"$tmp/err" </dev/null ||
    fail "tokenize -f exited $?: $(cat "$tmp/err")"
"$loom" tokenize --tokenizer "$tmp/m/bert/tokenizer.json" --json <"$tmp/text.txt" >"$tmp/got" 2>"$tmp/err" ||
    fail "tokenize < FILE exited $?: $(cat "$tmp/err")"
cmp -s "$tmp/want" "$tmp/got" || fail "tokenize from stdin differs from -f FILE"
"$loom" tokenize --tokenizer "$tmp/m/bert/tokenizer.json" --ids "$text" </dev/null | "$loom" detokenize --tokenizer "$tmp/m/bert/tokenizer.json" >"$tmp/got" 2>"$tmp/err" ||
    fail "detokenize from a pipe exited $?: $(cat "$tmp/err")"
[ -s "$tmp/got" ] || fail "detokenize from a pipe printed nothing"

# search: the query from a pipe; -f is the corpus (--corpus still accepted); "index" is the line number.
printf 'the big red bridge.\n\n   \nparis is the capital of france.\njohn works at microsoft.\n' >"$tmp/corpus.txt"
echo "paris is the capital of france." | "$loom" search -m "$tmp/m/bert" -t 1 -f "$tmp/corpus.txt" -k 1 >"$tmp/hits" 2>"$tmp/err" ||
    fail "search with the query on stdin exited $?: $(cat "$tmp/err")"
python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 1 and r[0]["index"] == 3 and r[0]["text"] == "paris is the capital of france.", r' "$tmp/hits" ||
    fail "search: index is not the corpus line number: $(cat "$tmp/hits")"
"$loom" search -m "$tmp/m/bert" --corpus "$tmp/corpus.txt" -k 1 "john works at microsoft." >"$tmp/hits" 2>"$tmp/err" </dev/null ||
    fail "search --corpus exited $?: $(cat "$tmp/err")"
grep -q '"index":4' "$tmp/hits" || fail "search --corpus: index is not the line number: $(cat "$tmp/hits")"

# embed -f: one JSON line per line, index = line number; a blank line is the empty string's embedding.
printf 'first line\n\nsecond line\n' >"$tmp/texts"
"$loom" embed -m "$tmp/m/bert" -f "$tmp/texts" >"$tmp/emb" 2>"$tmp/err" </dev/null || fail "embed -f exited $?: $(cat "$tmp/err")"
"$loom" embed -m "$tmp/m/bert" "" >"$tmp/empty" 2>"$tmp/err" </dev/null || fail "embed of the empty string exited $?: $(cat "$tmp/err")"
python3 - "$tmp/emb" "$tmp/empty" <<'PY' || fail "embed -f with a blank line"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
empty = json.loads(open(sys.argv[2]).read())
assert [l["index"] for l in lines] == [0, 1, 2], [l["index"] for l in lines]
assert max(abs(a - b) for a, b in zip(lines[1]["embedding"], empty["embedding"])) < 1e-6
PY
# translate -f: one output line per input line, blank lines included.
printf 'I am a cat.\n\nHello world.\n' >"$tmp/sources"
"$loom" translate -m "$tmp/s/marian" -n 6 -f "$tmp/sources" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    fail "translate -f with a blank line exited $?: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "translate -f: expected 3 lines, got $(wc -l <"$tmp/out")"

# Truncation: the same default (cut, with a warning) and the same --no-truncate in encoders and translate.
long=$(for i in $(seq 200); do printf 'paris '; done)
for args in "embed -m $tmp/m/bert" "fill-mask -m $tmp/m/bert-mlm" "translate -m $tmp/s/marian -n 4"; do
    text="$long"
    [[ $args == fill-mask* ]] && text="[MASK] $long"
    # shellcheck disable=SC2086
    "$loom" $args "$text" >/dev/null 2>"$tmp/err" </dev/null || fail "'$args' on a long text (default: cut) exited $?: $(cat "$tmp/err")"
    grep -qi "truncated" "$tmp/err" || fail "'$args' cut a long text without a warning: $(cat "$tmp/err")"
    # shellcheck disable=SC2086
    "$loom" $args --truncate "$text" >/dev/null 2>&1 </dev/null || fail "'$args --truncate' refused"
    # shellcheck disable=SC2086
    "$loom" $args --no-truncate "$text" >/dev/null 2>"$tmp/err" </dev/null
    [ $? -eq 1 ] && grep -q "^loom: error: .*longer than" "$tmp/err" || fail "'$args --no-truncate' did not refuse: $(cat "$tmp/err")"
done

# No text anywhere (stdin not a pipe): one error line, exit 1.
for args in "embed -m $tmp/m/bert" "ner -m $tmp/m/bert-ner" "fill-mask -m $tmp/m/bert-mlm" "translate -m $tmp/s/marian" \
    "search -m $tmp/m/bert -f $tmp/corpus.txt" "tokenize --tokenizer $tmp/m/bert/tokenizer.json" "attention -m $tmp/m/bert"; do
    # shellcheck disable=SC2086
    "$loom" $args >/dev/null 2>"$tmp/err" </dev/null
    [ $? -eq 1 ] && [ "$(grep -c '^loom: error: no ' "$tmp/err")" -eq 1 ] || fail "'$args' without text: $(cat "$tmp/err")"
done

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "cli_text_input: all passed"
