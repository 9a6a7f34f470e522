#!/usr/bin/env python3
"""Structured-output validity with the real default model (issue 17's acceptance run).

1. 20 JSON Schemas (nested objects, arrays with minItems/maxItems, enums and const, $ref/$defs with recursion,
   string patterns, formats, number bounds, prefixItems, anyOf/oneOf) x 10 seeds = 200 generations with
   `loom run --json-schema S --temp 1 --seed K -n MAX`; each output must parse and validate with the Python
   `jsonschema` package (with its FormatChecker). A generation that stops at -n before its JSON closes counts
   as invalid (the run reports `stop: max tokens`).
2. `loom ner --generative` over 50 news-style sentences: every run must exit 0 and print a JSON array of
   entities in the token-classification pipeline's shape.

Prints one line per failure, a summary, and `uptime`'s load; exit 1 when anything is invalid.

  python3 scripts/bench/structured_validity.py [--loom build/loom] [--model M] [--seeds 10] [--max-tokens 768]
         [--threads 2] [--skip-ner] [--only SCHEMA_NAME ...]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

S = {"type": "string", "maxLength": 24}
SCHEMAS = {
    "nested person": {"type": "object", "properties": {
        "name": S, "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "address": {"type": "object", "properties": {"street": S, "city": S, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
                    "required": ["city", "zip"], "additionalProperties": False}},
        "required": ["name", "age", "address"], "additionalProperties": False},
    "tags 2..4": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 12}, "minItems": 2, "maxItems": 4},
    "enum colour": {"type": "object", "properties": {"colour": {"enum": ["red", "green", "blue"]}, "shade": {"enum": [1, 2, 3, None]}},
                    "required": ["colour", "shade"], "additionalProperties": False},
    "const version": {"type": "object", "properties": {"version": {"const": "1.0"}, "ok": {"type": "boolean"}},
                      "required": ["version", "ok"], "additionalProperties": False},
    "$ref shared address": {"$defs": {"address": {"type": "object", "properties": {"city": S, "country": {"enum": ["FR", "DE", "US"]}},
                                                  "required": ["city", "country"], "additionalProperties": False}},
                            "type": "object", "properties": {"home": {"$ref": "#/$defs/address"}, "work": {"$ref": "#/$defs/address"}},
                            "required": ["home", "work"], "additionalProperties": False},
    "recursive tree": {"$defs": {"node": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 12},
        "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
        "required": ["name", "children"], "additionalProperties": False}}, "$ref": "#/$defs/node"},
    "recursive list": {"$defs": {"cell": {"type": "object", "properties": {
        "value": {"type": "integer", "minimum": 0, "maximum": 9},
        "next": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/cell"}]}},
        "required": ["value", "next"], "additionalProperties": False}}, "$ref": "#/$defs/cell"},
    "pattern phone": {"type": "object", "properties": {"phone": {"type": "string", "pattern": "^\\d{3}-\\d{4}$"}},
                      "required": ["phone"], "additionalProperties": False},
    "pattern code": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2,4}(-[a-z]+)?$"}, "minItems": 1, "maxItems": 3},
    "format date": {"type": "object", "properties": {"born": {"type": "string", "format": "date"}},
                    "required": ["born"], "additionalProperties": False},
    "format date-time": {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}},
                         "required": ["at"], "additionalProperties": False},
    "format uuid": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}},
                    "required": ["id"], "additionalProperties": False},
    "format email": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}},
                     "required": ["email"], "additionalProperties": False},
    "integer bounds": {"type": "object", "properties": {"month": {"type": "integer", "minimum": 1, "maximum": 12},
                                                        "day": {"type": "integer", "minimum": 1, "maximum": 31},
                                                        "count": {"type": "integer", "minimum": 0}},
                       "required": ["month", "day", "count"], "additionalProperties": False},
    "number and sign bounds": {"type": "object", "properties": {"price": {"type": "number"},
                                                                "stock": {"type": "integer", "minimum": 0},
                                                                "weight": {"type": "integer", "exclusiveMinimum": 0}},
                               "required": ["price", "stock", "weight"], "additionalProperties": False},
    "prefixItems tuple": {"type": "array", "prefixItems": [S, {"type": "integer", "minimum": 0, "maximum": 100}, {"type": "boolean"}],
                          "items": False},
    "anyOf scalar": {"type": "object", "properties": {"v": {"anyOf": [{"type": "string", "maxLength": 10}, {"type": "integer", "minimum": 0, "maximum": 50}, {"type": "null"}]}},
                     "required": ["v"], "additionalProperties": False},
    "oneOf shapes": {"oneOf": [
        {"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "integer", "minimum": 1, "maximum": 9}},
         "required": ["kind", "r"], "additionalProperties": False},
        {"type": "object", "properties": {"kind": {"const": "square"}, "side": {"type": "integer", "minimum": 1, "maximum": 9}},
         "required": ["kind", "side"], "additionalProperties": False}]},
    "optional members": {"type": "object", "properties": {"title": S, "year": {"type": "integer", "minimum": 1900, "maximum": 2030},
                                                          "genre": {"enum": ["drama", "comedy"]}},
                         "required": ["title"], "additionalProperties": False},
    "array of objects": {"type": "object", "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 3, "items": {
        "type": "object", "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{3}$"},
                                         "qty": {"type": "integer", "minimum": 1, "maximum": 99},
                                         "tags": {"type": "array", "items": {"enum": ["new", "sale"]}, "maxItems": 2}},
        "required": ["sku", "qty", "tags"], "additionalProperties": False}}},
        "required": ["items"], "additionalProperties": False},
}
assert len(SCHEMAS) == 20

SENTENCES = [
    "Angela Merkel met Emmanuel Macron in Paris to discuss the future of the European Union.",
    "Apple opened a new office in Munich, its chief executive Tim Cook said on Tuesday.",
    "The United Nations warned that floods in Pakistan have displaced millions of people.",
    "Serena Williams won her first match at Wimbledon since returning from injury.",
    "Toyota will build a battery plant in North Carolina, the company announced.",
    "Police in Sydney arrested two men after a robbery at a jewellery store.",
    "Microsoft agreed to buy Activision Blizzard for 69 billion dollars.",
    "Pope Francis visited Canada to apologise to indigenous communities.",
    "The World Health Organization declared the outbreak in Uganda an emergency.",
    "Lionel Messi scored twice as Argentina beat Croatia in Qatar.",
    "Boris Johnson resigned as leader of the Conservative Party in London.",
    "Amazon is cutting jobs at its headquarters in Seattle, according to Reuters.",
    "Tesla shares fell after Elon Musk sold stock worth billions of dollars.",
    "Greta Thunberg joined protesters outside the parliament in Stockholm.",
    "The European Central Bank raised interest rates in Frankfurt on Thursday.",
    "Rescue teams searched for survivors after an earthquake struck central Turkey.",
    "Google fined by the European Commission over its Android contracts.",
    "Kylian Mbappe signed a new contract with Paris Saint-Germain.",
    "Japanese Prime Minister Fumio Kishida met Joe Biden at the White House.",
    "Heavy snow closed schools across Scotland and the north of England.",
    "Samsung unveiled a folding phone at an event in New York.",
    "NASA launched the Artemis rocket from Florida towards the Moon.",
    "Jacinda Ardern announced she will step down as prime minister of New Zealand.",
    "The Red Cross sent aid convoys to the city of Kharkiv in Ukraine.",
    "Netflix lost subscribers for the first time in a decade, the company said in California.",
    "Rafael Nadal withdrew from the Australian Open in Melbourne with a hip injury.",
    "Volkswagen recalled thousands of cars in Germany over a software fault.",
    "Nelson Mandela's former home in Soweto reopened as a museum.",
    "Shell reported record profits as energy prices soared across Europe.",
    "Researchers at Oxford University published results of a malaria vaccine trial.",
    "King Charles opened the new session of Parliament in Westminster.",
    "The International Monetary Fund cut its forecast for growth in China.",
    "Taylor Swift announced a world tour starting in Glendale, Arizona.",
    "Firefighters battled wildfires near Athens as temperatures reached 44 degrees.",
    "Airbus delivered its first jets to Qantas at a ceremony in Toulouse.",
    "Vladimir Putin met Xi Jinping in Moscow for talks on energy.",
    "Barcelona defeated Real Madrid in the Spanish Super Cup final in Riyadh.",
    "The Bank of England kept rates unchanged, governor Andrew Bailey said.",
    "Wildlife officials in Kenya counted a record number of elephants.",
    "Meta was ordered to pay a fine by regulators in Ireland.",
    "Novak Djokovic arrived in Belgrade after winning in Melbourne.",
    "Doctors Without Borders opened a clinic in Port-au-Prince, Haiti.",
    "Ford will cut 3,800 jobs in Europe, mostly in Germany and Britain.",
    "Chancellor Olaf Scholz spoke with Volodymyr Zelensky by telephone.",
    "The Louvre in Paris welcomed nearly nine million visitors last year.",
    "Storm Ciaran brought winds of 100 miles per hour to Cornwall.",
    "Nvidia's market value passed one trillion dollars, Bloomberg reported.",
    "Malala Yousafzai spoke at a school in Birmingham about girls' education.",
    "The Mexican government sent troops to the state of Sinaloa.",
    "Emirates ordered fifty new aircraft from Boeing at the Dubai Airshow.",
]
assert len(SENTENCES) == 50


def prompt_for(name):
    return f"Write one example of this data ({name}) as JSON:"


def run_schemas(a, tmp, failures):
    n_valid = 0
    checker = jsonschema.FormatChecker()
    for name, schema in SCHEMAS.items():
        if a.only and name not in a.only:
            continue
        path = os.path.join(tmp, "schema.json")
        with open(path, "w") as f:
            json.dump(schema, f)
        for seed in range(1, a.seeds + 1):
            cmd = [a.loom, "run", "-m", a.model, "-t", str(a.threads), "--temp", "1", "--seed", str(seed),
                   "-n", str(a.max_tokens), "--no-display-prompt", "--json-schema", path, prompt_for(name)]
            out = subprocess.run(cmd, capture_output=True, text=True)
            text = out.stdout.rstrip("\n")
            problem = None
            if out.returncode != 0:
                problem = f"exit {out.returncode}: {out.stderr.strip()}"
            elif "stop: eog" not in out.stderr:
                problem = f"did not finish within -n {a.max_tokens}: {out.stderr.strip().splitlines()[-1]}"
            else:
                try:
                    jsonschema.validate(json.loads(text), schema, format_checker=checker)
                except (ValueError, jsonschema.ValidationError) as e:
                    problem = f"invalid: {str(e).splitlines()[0]}"
            if problem:
                failures.append(f"schema '{name}' seed {seed}: {problem}: {text[:200]}")
                print("FAIL", failures[-1], flush=True)
            else:
                n_valid += 1
        print(f"schema '{name}': done ({n_valid} valid so far)", flush=True)
    return n_valid


def run_ner(a, failures):
    n_valid = 0
    for i, sentence in enumerate(SENTENCES):
        cmd = [a.loom, "ner", "--generative", "-m", a.model, "-t", str(a.threads), "-q", sentence]
        out = subprocess.run(cmd, capture_output=True, text=True)
        problem = None
        if out.returncode != 0:
            problem = f"exit {out.returncode}: {out.stderr.strip()}"
        else:
            try:
                entities = json.loads(out.stdout)
                assert isinstance(entities, list)
                for e in entities:
                    assert set(e) == {"entity_group", "score", "word", "start", "end"}, e
                    assert sentence[e["start"]:e["end"]] == e["word"], e
            except (ValueError, AssertionError) as e:
                problem = f"bad output ({e}): {out.stdout[:200]}"
        if problem:
            failures.append(f"ner sentence {i}: {problem}")
            print("FAIL", failures[-1], flush=True)
        else:
            n_valid += 1
    return n_valid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loom", default="build/loom")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--max-tokens", type=int, default=768)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-ner", action="store_true")
    ap.add_argument("--only", action="append", help="run only this schema (repeatable)")
    a = ap.parse_args()
    print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        valid = run_schemas(a, tmp, failures)
    total = (len(a.only) if a.only else len(SCHEMAS)) * a.seeds
    print(f"schemas: {valid}/{total} valid ({100.0 * valid / total:.1f} %), -n {a.max_tokens}, temperature 1")
    if not a.skip_ner:
        ner_valid = run_ner(a, failures)
        print(f"ner --generative: {ner_valid}/{len(SENTENCES)} valid JSON ({100.0 * ner_valid / len(SENTENCES):.1f} %)")
    print("load after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
