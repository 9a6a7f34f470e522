#!/usr/bin/env bash
# `loom ner --generative` on the default model (SmolLM2-135M-Instruct): valid JSON in the token-classification
# pipeline's shape, every entity's word equal to the text at its character offsets, known types only, and
# at least one entity found in a sentence full of them (greedy decoding: deterministic). A decoder without a
# chat template and an encoder-only call without -m are clear errors.
# Usage: tests/e2e/ner_generative.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=${1:?usage: ner_generative.sh path/to/loom}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
text="Angela Merkel met Emmanuel Macron in Paris to discuss the future of the European Union."
"$loom" ner --generative "$text" >"$tmp/out" 2>"$tmp/err" || { echo "FAIL: exit $?: $(cat "$tmp/err")"; exit 1; }
python3 - "$tmp/out" "$text" <<'PY' || exit 1
import json, sys
entities = json.load(open(sys.argv[1]))
text = sys.argv[2]
assert isinstance(entities, list) and entities, f"no entities: {entities}"
for e in entities:
    assert set(e) == {"entity_group", "score", "word", "start", "end"}, e
    assert e["entity_group"] in {"PER", "LOC", "ORG", "MISC"}, e
    assert text[e["start"]:e["end"]] == e["word"], e
    assert 0.0 < e["score"] <= 1.0, e
print("generative NER:", [(e["entity_group"], e["word"]) for e in entities])
PY
"$loom" ner "text" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "^loom: error:.*--generative" "$tmp/err" || { echo "FAIL: ner without -m: rc=$rc $(cat "$tmp/err")"; exit 1; }
echo "ok"
