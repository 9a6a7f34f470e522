#!/usr/bin/env bash
# One model resolver for every command (issue 16): from a folder outside the checkout, every command that takes
# a model accepts a store name (hf:ORG/REPO[:FILE] and ORG/REPO[:FILE]) and every name `loom list` prints; a
# path that exists wins over a store name; `loom pull ORG/REPO` works without "hf:"; `loom run -m ORG/REPO` of
# a model not pulled yet pulls it (progress on stderr), `--offline` / LOOM_OFFLINE=1 refuse in one line naming
# `loom pull`, and other commands name `loom pull` too. Hub: tests/e2e/hub_server.py on loopback.
# Usage: tests/e2e/model_names.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=$(realpath "${1:?usage: model_names.sh path/to/loom}")
repo_root=$(pwd)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# Models: a tiny LLaMA with a tokenizer (folder and GGUF) and the tiny encoders, placed in a store by hand.
python3 tests/e2e/make_tiny_tokenized_model.py --out "$tmp/tok" >/dev/null || { echo "FAIL: tokenized model"; exit 1; }
python3 scripts/goldens/write_tiny_encoders.py "$tmp/enc" >/dev/null || { echo "FAIL: tiny encoders"; exit 1; }
"$loom" convert "$tmp/tok" -o "$tmp/tok.gguf" --type f32 >/dev/null 2>"$tmp/err" ||
    { echo "FAIL: convert: $(cat "$tmp/err")"; exit 1; }
store=$tmp/store
mkdir -p "$store/hf/acme/tiny-gguf" "$store/hf/acme"
cp "$tmp/tok.gguf" "$store/hf/acme/tiny-gguf/tiny.gguf"
cp -r "$tmp/tok" "$store/hf/acme/tiny-llama"
for m in bert bert-ner bert-mlm; do cp -r "$tmp/enc/$m" "$store/hf/acme/$m"; done
export LOOM_HOME=$store
unset LOOM_MODEL HF_TOKEN
elsewhere=$tmp/elsewhere  # not the checkout: no models/ here
mkdir -p "$elsewhere" && cd "$elsewhere" || exit 1

# ok ARGS...: exit 0 expected.
ok() { "$loom" "$@" >"$tmp/out" 2>"$tmp/err" || fail "loom $* exited $?: $(tail -n 2 "$tmp/err")"; }

# 1. Every command that takes a model, with both spellings of a store name.
for prefix in "hf:" ""; do
    ok inspect "${prefix}acme/tiny-gguf"
    ok inspect "${prefix}acme/tiny-gguf:tiny.gguf"
    ok tokenize -m "${prefix}acme/tiny-gguf" "hello world"
    ok detokenize -m "${prefix}acme/tiny-llama" 72 101
    ok embed -m "${prefix}acme/bert" "Paris is the capital of France."
    printf 'the big red bridge.\nparis is the capital of france.\n' >"$tmp/corpus.txt"
    ok search -m "${prefix}acme/bert" --corpus "$tmp/corpus.txt" "paris" -k 1
    ok ner -m "${prefix}acme/bert-ner" "John works at Microsoft in Paris."
    ok fill-mask -m "${prefix}acme/bert-mlm" "Paris is the [MASK] of France."
    ok convert "${prefix}acme/tiny-llama" -o "$tmp/converted.gguf" --type f32
    ok quantize "${prefix}acme/tiny-gguf" "$tmp/q8.gguf" q8_0
    ok run -m "${prefix}acme/tiny-gguf" --temp 0 -n 2 "hello"
    ok perplexity -m "${prefix}acme/tiny-gguf" -f "$tmp/corpus.txt" -c 8
    ok attention -m "${prefix}acme/tiny-gguf" -o "$tmp/att" "hello world"
done

# 2. Every name `loom list` prints is accepted by -m / inspect from here (registry-package models included).
"$loom" list --json >"$tmp/list.json" 2>"$tmp/err" || fail "list --json: $(cat "$tmp/err")"
python3 -c 'import json,sys; [print(m["name"]) for m in json.load(open(sys.argv[1]))]' "$tmp/list.json" >"$tmp/names"
grep -q "^hf:acme/tiny-gguf:tiny.gguf$" "$tmp/names" || fail "list lacks hf:acme/tiny-gguf:tiny.gguf: $(cat "$tmp/names")"
while read -r name; do
    "$loom" inspect "$name" >/dev/null 2>"$tmp/err" || fail "inspect '$name' (printed by loom list): $(cat "$tmp/err")"
done <"$tmp/names"
if ls "$repo_root"/models/*.gguf >/dev/null 2>&1; then
    grep -q "^models/" "$tmp/names" || fail "list from elsewhere shows no registry-package model: $(cat "$tmp/names")"
    first_registry=$(grep "^models/" "$tmp/names" | grep "\.gguf$" | head -n 1)
    if [ -n "$first_registry" ]; then
        "$loom" run -m "$first_registry" --dry-run "x" >/dev/null 2>"$tmp/err"
        rc=$?
        { [ $rc -eq 0 ] || [ $rc -eq 2 ]; } || fail "run -m $first_registry --dry-run from elsewhere: exit $rc: $(cat "$tmp/err")"
    fi
fi

# 3. A path that exists wins over a store name: ./acme/tiny-gguf here is the HF folder, the store's is a GGUF.
mkdir -p acme && cp -r "$tmp/tok" acme/tiny-gguf
"$loom" inspect --json acme/tiny-gguf >"$tmp/out" 2>"$tmp/err" || fail "inspect of the local folder: $(cat "$tmp/err")"
grep -q '"format": "huggingface"' "$tmp/out" || fail "a store name was preferred over an existing path"
"$loom" inspect --json hf:acme/tiny-gguf >"$tmp/out" 2>&1 && grep -q '"format": "gguf"' "$tmp/out" ||
    fail "hf:acme/tiny-gguf did not resolve in the store"
rm -rf acme

# 4. Errors: not pulled (names loom pull), a missing path (no store lookup), in one line.
# one_error PATTERN ARGS...: exit 1, exactly one stderr line, "loom: error:" with PATTERN.
one_error() {
    local pattern=$1; shift
    "$loom" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 1 ] || fail "loom $*: exit $rc, expected 1"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "loom $*: expected one stderr line: $(cat "$tmp/err")"
    grep -q "^loom: error:.*$pattern" "$tmp/err" || fail "loom $*: '$(cat "$tmp/err")' lacks '$pattern'"
}
one_error "loom pull hf:acme/not-pulled" inspect acme/not-pulled
one_error "loom pull hf:acme/not-pulled" embed -m acme/not-pulled "x"
one_error "no file or folder" inspect ./no/such.gguf
one_error "no file or folder" tokenize -m missing.gguf "x"

# 5. A hub: pull without "hf:", auto-pull in run, --offline / LOOM_OFFLINE.
hub=$tmp/hub
mkdir -p "$hub/acme/pull-me" "$hub/acme/auto-gguf" "$hub/acme/offline-gguf"
cp "$tmp/tok.gguf" "$hub/acme/pull-me/tiny.gguf"
cp "$tmp/tok.gguf" "$hub/acme/auto-gguf/tiny.gguf"
cp "$tmp/tok.gguf" "$hub/acme/offline-gguf/tiny.gguf"
python3 "$repo_root/tests/e2e/hub_server.py" --root "$hub" >"$tmp/port" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 50); do grep -q PORT "$tmp/port" && break; sleep 0.1; done
port=$(awk '/PORT/ {print $2}' "$tmp/port")
[ -n "$port" ] || { echo "FAIL: hub server did not start: $(cat "$tmp/server.err")"; exit 1; }
export LOOM_HF_ENDPOINT="http://127.0.0.1:$port"

ok pull acme/pull-me
cmp -s "$store/hf/acme/pull-me/tiny.gguf" "$tmp/tok.gguf" || fail "pull acme/pull-me (no hf:) did not fetch the file"
ok rm acme/pull-me
[ -e "$store/hf/acme/pull-me" ] && fail "rm acme/pull-me (no hf:) left the model"

one_error "offline.*loom pull hf:acme/offline-gguf" run --offline -m acme/offline-gguf --temp 0 -n 2 "hello"
LOOM_OFFLINE=1 one_error "offline.*loom pull hf:acme/offline-gguf" run -m acme/offline-gguf --temp 0 -n 2 "hello"
one_error "offline.*loom pull hf:acme/offline-gguf" chat --offline -m acme/offline-gguf
one_error "offline.*loom pull hf:acme/offline-gguf" serve --offline -m acme/offline-gguf --port 0
one_error "offline.*loom pull hf:acme/offline-gguf" serve --offline -m "$tmp/tok.gguf" --port 0 \
    --embedding-model acme/offline-gguf
[ -e "$store/hf/acme/offline-gguf" ] && fail "--offline downloaded the model anyway"

ok run -m acme/auto-gguf --temp 0 -n 2 "hello"
cmp -s "$store/hf/acme/auto-gguf/tiny.gguf" "$tmp/tok.gguf" || fail "run -m acme/auto-gguf did not pull the model"
grep -q "pulling" "$tmp/err" || fail "run gave no sign of the pull on stderr: $(cat "$tmp/err")"
grep -q "tiny.gguf.*MiB\|tiny.gguf.*KiB" "$tmp/err" || fail "run's pull showed no progress line: $(cat "$tmp/err")"
ok run --offline -m acme/auto-gguf --temp 0 -n 2 "hello"  # now in the store: offline is fine

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "model_names: all checks passed"
