#!/usr/bin/env bash
# `loom convert` of encoder and encoder-decoder models through the CLI, the GGUF used alone:
#   - loom's HF <-> GGUF name rules for BERT / T5 agree with the PyPI gguf package's tables
#     (scripts/check_gguf_names.py);
#   - the real all-MiniLM-L6-v2 (scripts/fetch_minilm.sh; REQUIRED, the test fails without it) converted to f32:
#     `loom embed` from the GGUF equals the folder's embeddings to cosine >= 0.99999 per text (same f32 weights;
#     measured 1 - 1e-7 or closer), and f16 to cosine >= 0.9999 (measured worst printed);
#   - tiny Marian and T5 (scripts/goldens/write_tiny_seq2seq.py, numpy-only) converted to f32: `loom translate`
#     from the GGUF prints the folder's text;
#   - an unsupported model_type is refused naming the supported ones.
# Usage: tests/e2e/convert_encdec.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=$(realpath "${1:?usage: convert_encdec.sh path/to/loom}")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 scripts/check_gguf_names.py >"$tmp/names" 2>&1 || fail "name rules vs gguf package: $(cat "$tmp/names")"

minilm=models/all-MiniLM-L6-v2
if [ ! -s "$minilm/model.safetensors" ]; then
    fail "$minilm is missing: run scripts/fetch_minilm.sh"
else
    texts=("A man is eating food." "The new movie is awesome." "Ein Mann isst Essen." "東京は日本の首都です。"
        "A very long sentence that goes on and on about nothing in particular, repeating itself a little.")
    "$loom" embed -m "$minilm" "${texts[@]}" >"$tmp/folder.jsonl" 2>"$tmp/err" || fail "embed folder: $(cat "$tmp/err")"
    for type in f32 f16; do
        "$loom" convert "$minilm" -o "$tmp/minilm.$type.gguf" --type "$type" >"$tmp/out" 2>"$tmp/err" ||
            { fail "convert minilm $type: $(cat "$tmp/err")"; continue; }
        "$loom" embed -m "$tmp/minilm.$type.gguf" "${texts[@]}" >"$tmp/gguf.$type.jsonl" 2>"$tmp/err" ||
            { fail "embed gguf $type: $(cat "$tmp/err")"; continue; }
        bar=$([ "$type" = f32 ] && echo 0.99999 || echo 0.9999)
        python3 - "$tmp/folder.jsonl" "$tmp/gguf.$type.jsonl" "$bar" "$type" <<'PY' || fail "minilm $type embeddings differ"
import json, sys
import numpy as np
a = [np.array(json.loads(l)["embedding"]) for l in open(sys.argv[1])]
b = [np.array(json.loads(l)["embedding"]) for l in open(sys.argv[2])]
assert len(a) == len(b) == 5, (len(a), len(b))
cos = [float(x @ y / np.linalg.norm(x) / np.linalg.norm(y)) for x, y in zip(a, b)]
print("minilm %s: worst cosine %.9f" % (sys.argv[4], min(cos)))
sys.exit(0 if min(cos) >= float(sys.argv[3]) else 1)
PY
    done
fi

python3 scripts/goldens/write_tiny_seq2seq.py --out "$tmp/s2s" >/dev/null || { echo "FAIL: tiny seq2seq"; exit 1; }
for model in marian t5-v1_1; do
    "$loom" convert "$tmp/s2s/$model" -o "$tmp/$model.gguf" --type f32 >"$tmp/out" 2>"$tmp/err" ||
        { fail "convert $model: $(cat "$tmp/err")"; continue; }
    args=(-n 12)
    [ "$model" = marian ] || args+=(--from en --to de)
    "$loom" translate -m "$tmp/s2s/$model" "${args[@]}" "the quick brown fox" >"$tmp/folder.txt" 2>"$tmp/err" ||
        { fail "translate folder $model: $(cat "$tmp/err")"; continue; }
    "$loom" translate -m "$tmp/$model.gguf" "${args[@]}" "the quick brown fox" >"$tmp/gguf.txt" 2>"$tmp/err" ||
        { fail "translate gguf $model: $(cat "$tmp/err")"; continue; }
    [ -s "$tmp/folder.txt" ] || fail "translate $model printed nothing"
    cmp -s "$tmp/folder.txt" "$tmp/gguf.txt" ||
        fail "$model translation differs: folder '$(cat "$tmp/folder.txt")' vs gguf '$(cat "$tmp/gguf.txt")'"
done

mkdir -p "$tmp/gptj"
echo '{"model_type": "gptj"}' >"$tmp/gptj/config.json"
cp "$tmp/s2s/bart/model.safetensors" "$tmp/gptj/"
if "$loom" convert "$tmp/gptj" -o "$tmp/gptj.gguf" >"$tmp/out" 2>"$tmp/err"; then
    fail "converted an unsupported model_type"
else
    grep -q "supported: .*bert.*t5.*marian" "$tmp/err" || fail "unsupported-architecture error lists nothing: $(cat "$tmp/err")"
fi

[ "$failures" -eq 0 ] && echo "convert_encdec: all passed"
exit "$failures"
