#!/usr/bin/env bash
# `loom ner --generative` on the default model (SmolLM2-135M-Instruct), which answers under a JSON schema's
# grammar: valid JSON in the token-classification pipeline's shape for several sentences, every entity's word equal to the text at its character offsets, known types only, and
# at least one entity found in a sentence full of them (greedy decoding: deterministic). A decoder without a
# chat template, an answer cut by -n and an encoder-only call without -m are clear errors.
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
for other in "Apple opened a new office in Munich, its chief executive Tim Cook said on Tuesday." \
             "The United Nations warned that floods in Pakistan have displaced millions of people."; do
    "$loom" ner --generative -q "$other" >"$tmp/out" 2>"$tmp/err" || { echo "FAIL: exit $?: $(cat "$tmp/err")"; exit 1; }
    python3 -c "import json,sys; e=json.load(open(sys.argv[1])); assert isinstance(e, list), e; print('ok:', e)" "$tmp/out" \
        || { echo "FAIL: not a JSON array: $(cat "$tmp/out")"; exit 1; }
done
"$loom" ner --generative -n 3 "$text" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "^loom: error:.*did not finish within 3 tokens" "$tmp/err" && [ ! -s "$tmp/out" ] \
    || { echo "FAIL: -n 3 should fail cleanly: rc=$rc $(cat "$tmp/err")"; exit 1; }
"$loom" ner "text" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "^loom: error:.*--generative" "$tmp/err" || { echo "FAIL: ner without -m: rc=$rc $(cat "$tmp/err")"; exit 1; }
echo "ok"
