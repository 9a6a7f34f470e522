#!/usr/bin/env bash
# End-to-end: constrained generation in `loom run` with the default model. Outputs under --json-schema (bounded
# schemas, so every generation completes within -n) parse and validate with the Python `jsonschema` package at
# temperature 1 over several seeds; --json gives JSON; a GBNF grammar's output matches it; bad grammars and
# schemas fail with one `loom: error:` line naming the place; beam search (--num-beams) honours the grammar too.
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch_default_model.sh).
set -uo pipefail
loom="$1"
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
fail() { echo "grammar_run: FAIL: $*" >&2; exit 1; }
[ -s "$model" ] || fail "missing $model (run scripts/fetch_default_model.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/person.json" <<'JSON'
{"type": "object", "properties": {
   "name": {"type": "string", "maxLength": 24},
   "age": {"type": "integer", "minimum": 0, "maximum": 120},
   "born": {"type": "string", "format": "date"},
   "pets": {"type": "array", "items": {"enum": ["cat", "dog", "fish"]}, "maxItems": 3},
   "city": {"anyOf": [{"type": "null"}, {"type": "string", "pattern": "^[A-Z][a-z]{1,12}$"}]}},
 "required": ["name", "age", "pets"], "additionalProperties": false}
JSON

# 1. --json-schema: every output is valid under the schema (judged by jsonschema), at temperature 1.
for seed in 1 2 3 4 5 6; do
    "$loom" run -m "$model" -t 2 --temp 1 --seed "$seed" -n 200 --no-display-prompt -q \
        --json-schema "$tmp/person.json" "Describe Ada Lovelace as JSON:" > "$tmp/out.$seed" 2> "$tmp/err" \
        || fail "seed $seed exited $?: $(cat "$tmp/err")"
done
python3 - "$tmp" <<'PY' || fail "an output is not valid under the schema"
import json, sys, jsonschema
tmp = sys.argv[1]
schema = json.load(open(f"{tmp}/person.json"))
for seed in range(1, 7):
    text = open(f"{tmp}/out.{seed}").read().rstrip("\n")
    jsonschema.validate(json.loads(text), schema, format_checker=jsonschema.FormatChecker())
    print("valid:", text)
PY

# 2. --json: a JSON value (bounded by -n, so ask for something short).
"$loom" run -m "$model" -t 2 --temp 0 -n 120 --no-display-prompt -q --json \
    'Answer with a JSON object with keys "a" and "b", both numbers:' > "$tmp/json" 2> "$tmp/err" \
    || fail "--json exited $?: $(cat "$tmp/err")"
python3 -c "import json,sys; json.loads(open(sys.argv[1]).read())" "$tmp/json" || fail "--json output is not JSON: $(cat "$tmp/json")"

# 3. A GBNF grammar: the output is one of its sentences.
printf 'root ::= answer "."\nanswer ::= "yes" | "no"\n' > "$tmp/yn.gbnf"
"$loom" run -m "$model" -t 2 --temp 1 --seed 3 -n 20 --no-display-prompt -q --grammar "$tmp/yn.gbnf" \
    "Is the sky blue?" > "$tmp/yn" 2> "$tmp/err" || fail "--grammar exited $?: $(cat "$tmp/err")"
grep -qxE '(yes|no)\.' "$tmp/yn" || fail "--grammar output '$(cat "$tmp/yn")' is not 'yes.' or 'no.'"

# 4. Beam search honours the grammar: every beam keeps its own grammar state; the best hypothesis validates.
"$loom" run -m "$model" -t 2 -n 200 --num-beams 3 --no-display-prompt -q --json-schema "$tmp/person.json" \
    "Describe Ada Lovelace as JSON:" > "$tmp/beam" 2> "$tmp/err" || fail "--num-beams exited $?: $(cat "$tmp/err")"
python3 - "$tmp" <<'PY' || fail "the beam search output is not valid under the schema: $(cat "$tmp/beam")"
import json, sys, jsonschema
tmp = sys.argv[1]
schema = json.load(open(f"{tmp}/person.json"))
text = open(f"{tmp}/beam").read().rstrip("\n")
jsonschema.validate(json.loads(text), schema, format_checker=jsonschema.FormatChecker())
print("beam valid:", text)
PY
"$loom" run -m "$model" -t 2 -n 20 --num-beams 2 --no-display-prompt -q --grammar "$tmp/yn.gbnf" \
    "Is the sky blue?" > "$tmp/yn" 2> "$tmp/err" || fail "--num-beams --grammar exited $?: $(cat "$tmp/err")"
grep -qxE '(yes|no)\.' "$tmp/yn" || fail "beam --grammar output '$(cat "$tmp/yn")' is not 'yes.' or 'no.'"

# 5. Bad input: exit 1, one error line naming the place.
expect_error() {
    local what="$1" pattern="$2"; shift 2
    "$loom" "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$what: exit $rc, want 1 ($(cat "$tmp/err"))"
    [ "$(grep -c '^loom: error:' "$tmp/err")" -eq 1 ] || fail "$what: want one error line, got: $(cat "$tmp/err")"
    grep -q -- "$pattern" "$tmp/err" || fail "$what: error does not say '$pattern': $(cat "$tmp/err")"
    echo "ok: $what -> $(cat "$tmp/err")"
}
printf 'root ::= list\nlist ::= list "," "x" | "x"\n' > "$tmp/leftrec.gbnf"
expect_error "undefined rule" "line 1, column 10" run -m "$model" --grammar <(echo 'root ::= missing') "x"
expect_error "left recursion" "left-recursive" run -m "$model" --grammar "$tmp/leftrec.gbnf" "x"
expect_error "unsupported keyword" "#/properties/n: keyword 'multipleOf'" run -m "$model" \
    --json-schema '{"type":"object","properties":{"n":{"type":"number","multipleOf":2}}}' "x"
expect_error "schema not JSON" "not valid JSON" run -m "$model" --json-schema '{"type":' "x"
expect_error "two constraints" "exclude each other" run -m "$model" --json --grammar "$tmp/yn.gbnf" "x"
expect_error "missing grammar file" "cannot read" run -m "$model" --grammar "$tmp/none.gbnf" "x"
echo "grammar_run: PASS"
