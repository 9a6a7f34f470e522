#!/usr/bin/env bash
# Long waits show progress on a terminal and only plain lines elsewhere (issue 16): run's prefill, search's
# first corpus embedding (and where its cache went), embed --file, convert, quantize, translate -i, perplexity.
# The terminal is a pty from `script`; LOOM_PROGRESS_DELAY_MS=0 removes the 2 s grace so nothing depends on the
# machine's speed. Redirected stderr never holds a carriage return; -q silences the bars.
# Usage: tests/e2e/progress.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=$(realpath "${1:?usage: progress.sh path/to/loom}")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v script >/dev/null || { echo "FAIL: script (util-linux) is needed for a pty"; exit 1; }

python3 tests/e2e/make_tiny_tokenized_model.py --out "$tmp/tok" >/dev/null || { echo "FAIL: tokenized model"; exit 1; }
python3 scripts/goldens/write_tiny_encoders.py "$tmp/enc" >/dev/null || { echo "FAIL: tiny encoders"; exit 1; }
python3 scripts/goldens/write_tiny_seq2seq.py --out "$tmp/s2s" >/dev/null || { echo "FAIL: tiny seq2seq"; exit 1; }
"$loom" convert "$tmp/tok" -o "$tmp/tok.gguf" --type f32 >/dev/null 2>"$tmp/err" ||
    { echo "FAIL: convert: $(cat "$tmp/err")"; exit 1; }
for i in $(seq 40); do echo "line $i of the corpus about bridges and rivers."; done >"$tmp/corpus.txt"
printf 'hello world\nthe house is small\ngood morning\n' >"$tmp/sources.txt"
long_prompt=$(for i in $(seq 12); do printf 'the cat sat on the mat. '; done)

# on_tty NAME ARGS...: runs loom with stderr on a pty (stdout to a file), delay 0; the terminal's bytes in NAME.tty
on_tty() {
    local name=$1; shift
    local cmd
    cmd=$(printf '%q ' "$loom" "$@")
    LOOM_PROGRESS_DELAY_MS=0 script -qefc "$cmd >$tmp/$name.out" /dev/null >"$tmp/$name.tty" 2>&1 ||
        fail "$name on a terminal exited non-zero: $(tr '\r' '\n' <"$tmp/$name.tty" | tail -n 3)"
}
# redirected NAME ARGS...: stderr to NAME.err (not a terminal), delay 0
redirected() {
    local name=$1; shift
    LOOM_PROGRESS_DELAY_MS=0 "$loom" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null ||
        fail "$name redirected exited non-zero: $(tail -n 3 "$tmp/$name.err")"
    grep -q $'\r' "$tmp/$name.err" && fail "$name wrote a carriage return into redirected stderr"
}
# expect_tty NAME PATTERN: the terminal saw a bar redrawn in place (\r) containing PATTERN
expect_tty() {
    grep -q $'\r' "$tmp/$1.tty" || fail "$1: no bar redrawn on the terminal: $(cat -v "$tmp/$1.tty" | head -c 400)"
    grep -q -- "$2" "$tmp/$1.tty" || fail "$1: the terminal shows no '$2': $(cat -v "$tmp/$1.tty" | head -c 400)"
}

# quantize and convert: a bar on a terminal, one plain line in a log, nothing with -q.
on_tty quantize quantize "$tmp/tok.gguf" "$tmp/q1.gguf" q8_0
expect_tty quantize "quantizing \["
redirected quantize quantize "$tmp/tok.gguf" "$tmp/q2.gguf" q8_0
grep -q "^quantizing \[" "$tmp/quantize.err" || fail "quantize: no plain summary line in the log: $(cat "$tmp/quantize.err")"
on_tty quantize_q quantize -q "$tmp/tok.gguf" "$tmp/q3.gguf" q8_0
grep -q "quantizing" "$tmp/quantize_q.tty" && fail "quantize -q still shows progress"
on_tty convert convert "$tmp/tok" -o "$tmp/c1.gguf" --type f32
expect_tty convert "converting \[.*tensors"

# run: a spinner while the prompt is read, erased before the text; nothing in a log or with -q.
on_tty run run -m "$tmp/tok.gguf" --temp 0 -n 4 "$long_prompt"
expect_tty run "reading the prompt ([0-9]* tokens)"
redirected run run -m "$tmp/tok.gguf" --temp 0 -n 4 "$long_prompt"
grep -q "reading the prompt" "$tmp/run.err" && fail "run: prefill progress in a log"
grep -q "the cat sat" "$tmp/run.out" || fail "run: the prompt is no longer echoed: $(head -c 200 "$tmp/run.out")"
on_tty run_q run -q -m "$tmp/tok.gguf" --temp 0 -n 4 "$long_prompt"
grep -q "reading the prompt" "$tmp/run_q.tty" && fail "run -q still shows progress"

# search: the first embedding shows a bar and says where the cache went; the second reads it silently.
on_tty search search -m "$tmp/enc/bert" --corpus "$tmp/corpus.txt" "rivers" -k 1
expect_tty search "embedding the corpus.*lines"
cp "$tmp/corpus.txt" "$tmp/corpus2.txt"
redirected search search -m "$tmp/enc/bert" --corpus "$tmp/corpus2.txt" "rivers" -k 1
grep -q "cached at .*corpus2.txt.loom-.*\.emb" "$tmp/search.err" ||
    fail "search: the first embedding does not say where the cache went: $(cat "$tmp/search.err")"
redirected search2 search -m "$tmp/enc/bert" --corpus "$tmp/corpus2.txt" "rivers" -k 1
[ -s "$tmp/search2.err" ] && fail "search from the cache is not silent: $(cat "$tmp/search2.err")"

# embed --file: a bar on a terminal; nothing in a log (the vectors go to stdout).
on_tty embed embed -m "$tmp/enc/bert" --file "$tmp/corpus.txt"
expect_tty embed "embedding \[.*texts"
redirected embed embed -m "$tmp/enc/bert" --file "$tmp/corpus.txt"
[ -s "$tmp/embed.err" ] && fail "embed --file wrote to a redirected stderr: $(cat "$tmp/embed.err")"

# translate -i and perplexity: bars on a terminal, no carriage return in a log.
on_tty translate translate -m "$tmp/s2s/marian" --from en --to de -n 8 -t 1 -i "$tmp/sources.txt"
expect_tty translate "translating \[.*lines"
redirected translate translate -m "$tmp/s2s/marian" --from en --to de -n 8 -t 1 -i "$tmp/sources.txt"
grep -q "3/3" "$tmp/translate.err" || fail "translate -i: no summary line in the log: $(cat "$tmp/translate.err")"
on_tty ppl perplexity -m "$tmp/tok.gguf" -f "$tmp/corpus.txt" -c 16
expect_tty ppl "perplexity \[.*windows.*ppl"
redirected ppl perplexity -m "$tmp/tok.gguf" -f "$tmp/corpus.txt" -c 16

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "progress: all checks passed"
