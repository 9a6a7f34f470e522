#!/usr/bin/env bash
# End-to-end: `loom extract` with the default model fills user schemas from texts; every answer parses and
# validates with the Python `jsonschema` package (greedy, and sampled at temperature 1 over seeds); --pretty
# indents; the text comes from an argument, -f FILE or a pipe; a bad schema, a missing --schema and a missing
# text fail with one `loom: error:` line and exit 1, before the model is loaded.
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch_default_model.sh).
set -uo pipefail
loom="$1"
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
fail() { echo "extract_cli: FAIL: $*" >&2; exit 1; }
[ -s "$model" ] || fail "missing $model (run scripts/fetch_default_model.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/meeting.json" <<'JSON'
{"type": "object", "properties": {
   "people": {"type": "array", "items": {"type": "string", "maxLength": 30}, "minItems": 1, "maxItems": 4},
   "city": {"type": "string", "maxLength": 30},
   "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
   "topic": {"enum": ["trade", "climate", "security", "other"]}},
 "required": ["people", "city", "year", "topic"], "additionalProperties": false}
JSON
text="In 2019, Angela Merkel and Emmanuel Macron met in Aachen to sign a treaty on defence and security."

validate() {  # validate SCHEMA OUTPUT
    python3 - "$1" "$2" <<'PY' || fail "$2 is not valid under $1: $(cat "$2")"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().rstrip("\n")
value = json.loads(lines)
jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())
print("valid:", json.dumps(value))
PY
}

# 1. Greedy, the text as an argument: one line of JSON, valid under the schema.
"$loom" extract -m "$model" -t 2 -q --schema "$tmp/meeting.json" "$text" > "$tmp/out" 2> "$tmp/err" \
    || fail "exit $?: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/out")" -eq 1 ] || fail "want one line, got: $(cat "$tmp/out")"
validate "$tmp/meeting.json" "$tmp/out"

# 2. Sampled at temperature 1, inline schema, the text from a pipe and from -f: still valid every time.
schema_text=$(cat "$tmp/meeting.json")
for seed in 1 2 3; do
    echo "$text" | "$loom" extract -m "$model" -t 2 -q --temp 1 --seed "$seed" --schema "$schema_text" \
        > "$tmp/out.$seed" 2> "$tmp/err" || fail "seed $seed exited $?: $(cat "$tmp/err")"
    validate "$tmp/meeting.json" "$tmp/out.$seed"
done
echo "$text" > "$tmp/text.txt"
"$loom" extract -m "$model" -t 2 -q --pretty --schema "$tmp/meeting.json" -f "$tmp/text.txt" > "$tmp/pretty" \
    2> "$tmp/err" || fail "--pretty exited $?: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/pretty")" -gt 1 ] || fail "--pretty printed one line: $(cat "$tmp/pretty")"
validate "$tmp/meeting.json" "$tmp/pretty"

# 3. A schema with $defs and $ref (one definition used twice). (A recursive schema is covered by
# scripts/bench/structured_validity.py: greedy decoding of the small default model tends to nest forever.)
cat > "$tmp/trip.json" <<'JSON'
{"$defs": {"place": {"type": "object", "properties": {
    "city": {"type": "string", "maxLength": 20}, "country": {"type": "string", "maxLength": 20}},
  "required": ["city", "country"], "additionalProperties": false}},
 "type": "object", "properties": {"from": {"$ref": "#/$defs/place"}, "to": {"$ref": "#/$defs/place"}},
 "required": ["from", "to"], "additionalProperties": false}
JSON
"$loom" extract -m "$model" -t 2 -q --schema "$tmp/trip.json" "Maria flew from Lyon, France to Osaka, Japan." \
    > "$tmp/trip.out" 2> "$tmp/err" || fail "\$ref schema exited $?: $(cat "$tmp/err")"
validate "$tmp/trip.json" "$tmp/trip.out"

# 4. Bad input: exit 1, one error line, nothing on stdout.
expect_error() {
    local what="$1" pattern="$2"; shift 2
    "$loom" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$what: exit $rc, want 1 ($(cat "$tmp/err"))"
    [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "$what: want one stderr line, got: $(cat "$tmp/err")"
    grep -q -- "^loom: error: .*$pattern" "$tmp/err" || fail "$what: error does not say '$pattern': $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "$what: wrote to stdout: $(cat "$tmp/out")"
    echo "ok: $what -> $(cat "$tmp/err")"
}
expect_error "unsupported keyword" "#/properties/n: keyword 'multipleOf'" extract -m "$model" \
    --schema '{"type":"object","properties":{"n":{"type":"number","multipleOf":2}}}' "x"
expect_error "schema not JSON" "--schema: not valid JSON" extract -m "$model" --schema '{"type":' "x"
expect_error "missing schema file" "cannot read" extract -m "$model" --schema "$tmp/none.json" "x"
expect_error "no --schema" "needs --schema" extract -m "$model" "x"
expect_error "no text" "no text" extract -m "$model" --schema "$tmp/meeting.json"
expect_error "answer cut by -n" "did not finish within 3 tokens" extract -m "$model" -q -n 3 \
    --schema "$tmp/meeting.json" "$text"
echo "extract_cli: PASS"
