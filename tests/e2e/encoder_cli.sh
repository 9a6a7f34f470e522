#!/usr/bin/env bash
# `loom embed | ner | fill-mask | search` end to end on the tiny encoder models (regenerated with numpy by
# scripts/goldens/write_tiny_encoders.py): output shapes, NER equal to the HF golden, the search cache, and bad
# input (no texts, no such head, --no-truncate on a long text) exiting 1 with one "loom: error:" line.
# Usage: tests/e2e/encoder_cli.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=${1:?usage: encoder_cli.sh path/to/loom}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 scripts/goldens/write_tiny_encoders.py "$tmp/m" || { echo "FAIL: python3 + numpy + safetensors needed"; exit 1; }

# expect_error WHAT ARGS...: exit 1, one stderr line "loom: error: ..." containing WHAT.
expect_error() {
    local what=$1; shift
    "$loom" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$* exited $rc, expected 1"
    grep -q "^loom: error:.*$what" "$tmp/err" || fail "$*: stderr lacks 'loom: error: ...$what': $(cat "$tmp/err")"
}

# embed: two texts -> two JSON lines of 32 unit-norm floats.
if "$loom" embed -m "$tmp/m/bert" "Paris is the capital of France." "hello" >"$tmp/emb" 2>"$tmp/err"; then
    python3 - "$tmp/emb" <<'PY' || fail "embed output"
import json, math, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["index"] for l in lines] == [0, 1], lines
for l in lines:
    v = l["embedding"]
    assert len(v) == 32 and abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-5
PY
else
    fail "embed exited non-zero: $(cat "$tmp/err")"
fi
printf 'first line\n\nsecond line\n' >"$tmp/texts"
"$loom" embed -m "$tmp/m/bert" --file "$tmp/texts" --pooling cls --no-normalize >"$tmp/emb" 2>"$tmp/err" &&
    [ "$(wc -l <"$tmp/emb")" -eq 3 ] || fail "embed --file: expected 3 lines (one per line, blank too): $(cat "$tmp/err")"
expect_error "no texts" embed -m "$tmp/m/bert"
long=$(for i in $(seq 100); do printf 'paris '; done)
expect_error "longer than 64 tokens" embed -m "$tmp/m/bert" --no-truncate "$long"
"$loom" embed -m "$tmp/m/bert" "$long" >/dev/null 2>"$tmp/err" || fail "embed of a long text (truncated) failed"
grep -q "truncated" "$tmp/err" || fail "no truncation notice on stderr: $(cat "$tmp/err")"

# ner: equal to the HF golden for the first text, simple aggregation.
text=$(python3 -c 'import json; print(json.load(open("tests/data/encoders/tiny_bert_ner.json"))["pipeline"][1]["text"])')
if "$loom" ner -m "$tmp/m/bert-ner" "$text" --aggregation first >"$tmp/ner" 2>"$tmp/err"; then
    python3 - "$tmp/ner" <<'PY' || fail "ner output differs from the HF golden"
import json, sys
got = json.load(open(sys.argv[1]))
want = json.load(open("tests/data/encoders/tiny_bert_ner.json"))["pipeline"][1]["entities"]["first"]
assert len(got) == len(want), (got, want)
for g, w in zip(got, want):
    assert abs(g.pop("score") - w.pop("score")) < 1e-4 and g == w, (g, w)
PY
else
    fail "ner exited non-zero: $(cat "$tmp/err")"
fi
expect_error "no token-classification head" ner -m "$tmp/m/bert" "text"
expect_error "unknown aggregation" ner -m "$tmp/m/bert-ner" "text" --aggregation greedy

# fill-mask: five candidates with scores in (0, 1], best first.
if "$loom" fill-mask -m "$tmp/m/bert-mlm" "Paris is the [MASK] of France." >"$tmp/fm" 2>"$tmp/err"; then
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 5 and all(0 < c["score"] <= 1 for c in r) and r[0]["score"] >= r[-1]["score"], r' "$tmp/fm" ||
        fail "fill-mask output"
else
    fail "fill-mask exited non-zero: $(cat "$tmp/err")"
fi
expect_error "no masked-LM head" fill-mask -m "$tmp/m/bert" "a [MASK]"
expect_error "no \[MASK\] token" fill-mask -m "$tmp/m/bert-mlm" "no mask here"

# search: k results, the exact-duplicate document first with cosine 1; the second run reads the cache.
printf 'the big red bridge.\nparis is the capital of france.\njohn works at microsoft.\n' >"$tmp/corpus.txt"
if "$loom" search -m "$tmp/m/bert" --corpus "$tmp/corpus.txt" "paris is the capital of france." -k 2 >"$tmp/s1" 2>"$tmp/err"; then
    python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 2 and r[0]["index"] == 1 and abs(r[0]["score"] - 1) < 1e-5 and r[0]["rank"] == 1, r' "$tmp/s1" ||
        fail "search output"
    ls "$tmp"/corpus.txt.loom-*.emb >/dev/null 2>&1 || fail "search wrote no cache next to the corpus"
    "$loom" search -m "$tmp/m/bert" --corpus "$tmp/corpus.txt" "paris is the capital of france." -k 2 >"$tmp/s2" 2>/dev/null
    cmp -s "$tmp/s1" "$tmp/s2" || fail "search from the cache differs"
else
    fail "search exited non-zero: $(cat "$tmp/err")"
fi

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "encoder CLI: all checks passed"
