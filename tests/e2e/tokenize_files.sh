#!/usr/bin/env bash
# `loom tokenize --tokenizer PATH` / `loom detokenize --tokenizer PATH` on every kind of tokenizer file (issue 16):
# GPT-2 as published (encoder.json + vocab.bpe: the folder or either file), a bare SentencePiece .model, a
# tokenizer.json, a tokenizer folder, a GGUF; round trips of deepseek's user-defined characters; <unk> decoded as
# sentencepiece does; and a one-line error naming the accepted kinds for anything else.
# Expected ids: HF `tokenizers` (tests/data/tokenizer/goldens/gpt2.json, corpus texts 2 and 3;
# ggml-vocab-deepseek-coder.gguf.out) and sentencepiece 0.2 (SentencePieceProcessor.encode/decode of
# tests/data/upstream/sentencepiece/test_model.model).
# Usage: tests/e2e/tokenize_files.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=${1:?usage: tokenize_files.sh path/to/loom}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gpt2=tests/data/upstream/tokenizers/gpt2
spm=tests/data/upstream/sentencepiece/test_model.model
vocab=tests/data/upstream/vocab-tests

# expect_ids WANT ARGS...: `loom tokenize --ids ARGS` prints exactly WANT.
expect_ids() {
    local want=$1; shift
    local got
    if ! got=$("$loom" tokenize --ids "$@" 2>"$tmp/err"); then
        fail "tokenize $*: exit non-zero: $(cat "$tmp/err")"; return
    fi
    [[ "$got" == "$want" ]] || fail "tokenize $*: got '$got', want '$want'"
}

# expect_text WANT ARGS...: `loom detokenize ARGS` prints exactly WANT.
expect_text() {
    local want=$1; shift
    local got
    if ! got=$("$loom" detokenize "$@" 2>"$tmp/err"); then
        fail "detokenize $*: exit non-zero: $(cat "$tmp/err")"; return
    fi
    [[ "$got" == "$want" ]] || fail "detokenize $*: got '$got', want '$want'"
}

# GPT-2 as published: the folder, encoder.json, vocab.bpe.
for path in "$gpt2" "$gpt2/encoder.json" "$gpt2/vocab.bpe"; do
    expect_ids "15496 995" --tokenizer "$path" "Hello world"
    expect_ids "15496 11 995 0 1374 389 345 1909 30" --tokenizer "$path" "Hello, world! How are you today?"
    expect_ids "64 50256 65" --tokenizer "$path" "a<|endoftext|>b"
    expect_text "Hello, world! How are you today?" --tokenizer "$path" 15496 11 995 0 1374 389 345 1909 30
done

# A bare SentencePiece model: ids and decoding as sentencepiece gives them.
expect_ids "151 88 21 887" --tokenizer "$spm" "Hello world"
expect_ids "280 0 60 30 40 4 0" --tokenizer "$spm" "Führer 漢字"
expect_text "Hello world" --tokenizer "$spm" 151 88 21 887
expect_text "F ⁇ hrer  ⁇ " --tokenizer "$spm" 280 0 60 30 40 4 0
expect_text " ⁇ " --tokenizer "$spm" 0

# tokenizer.json, its folder, a GGUF.
expect_ids "9906 1917" --tokenizer tests/data/upstream/tokenizers/llama3/tokenizer.json --no-special "Hello world"
expect_ids "9906 1917" --tokenizer tests/data/upstream/tokenizers/llama3 --no-special "Hello world"
expect_ids "15496 995" --tokenizer "$vocab/ggml-vocab-gpt-2.gguf" --no-special "Hello world"

# deepseek's user-defined characters: HF's ids, and the text back.
expect_ids "37 32009 71 6247" --tokenizer "$vocab/ggml-vocab-deepseek-coder.gguf" --no-special "Führer"
expect_text "Führer" --tokenizer "$vocab/ggml-vocab-deepseek-coder.gguf" 37 32009 71 6247
expect_text "Führer" --tokenizer "$vocab/ggml-vocab-deepseek-llm.gguf" 37 100014 71 6245
expect_text "øöúÿõ÷ûýÀùÁþü" --tokenizer "$vocab/ggml-vocab-deepseek-llm.gguf" \
    100002 100003 100004 100005 100006 100007 100008 100009 100010 100011 100012 100013 100014

# Anything else: exit 1, one line naming the accepted kinds.
echo "just some notes" >"$tmp/notes.txt"
mkdir -p "$tmp/empty"
for path in "$tmp/notes.txt" "$tmp/empty"; do
    "$loom" tokenize --tokenizer "$path" "x" >/dev/null 2>"$tmp/err"
    code=$?
    [[ $code == 1 ]] || fail "tokenize --tokenizer $path: exit $code, want 1"
    [[ $(wc -l <"$tmp/err") == 1 ]] || fail "tokenize --tokenizer $path: stderr is not one line: $(cat "$tmp/err")"
    grep -q "loom: error: .*tokenizer.json, a SentencePiece .model, GPT-2's encoder.json + vocab.bpe" "$tmp/err" ||
        fail "tokenize --tokenizer $path: error does not name the accepted kinds: $(cat "$tmp/err")"
done

if ((failures)); then
    echo "$failures failure(s)"
    exit 1
fi
echo "tokenize_files: all passed"
