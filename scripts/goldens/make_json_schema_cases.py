#!/usr/bin/env python3
"""Cases for the JSON Schema -> grammar converter (src/generate/grammar/json_schema.cpp): for each schema, JSON
texts with the verdict of the reference validator, the PyPI `jsonschema` package (Draft 2020-12).
The C++ test (tests/unit/test_json_schema_grammar.cpp) checks that the compiled grammar accepts exactly the
texts `jsonschema` calls valid. Instances keep object members in the schema's order (the grammar fixes that
order, as documented) and use no whitespace the grammar does not allow. Where the grammar is deliberately
narrower than the schema (docs/grammar.md: no extra members unless additionalProperties says so; an extra
member's key is not checked against the declared ones), no instance probes the difference.

Rerun: python3 -m pip install jsonschema && python3 scripts/goldens/make_json_schema_cases.py
Writes tests/data/grammar/json_schema_cases.json.
"""
import json
import os

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "data", "grammar", "json_schema_cases.json")

CASES = [
    ("types", {"type": "object", "properties": {"s": {"type": "string"}, "n": {"type": "number"},
                                                "i": {"type": "integer"}, "b": {"type": "boolean"},
                                                "z": {"type": "null"}},
               "required": ["s", "n", "i", "b", "z"], "additionalProperties": False},
     ['{"s": "x", "n": 1.5, "i": 3, "b": true, "z": null}', '{"s": "x", "n": 1.5, "i": 3.5, "b": true, "z": null}',
      '{"s": 1, "n": 1.5, "i": 3, "b": true, "z": null}', '{"s": "x", "n": 1.5, "i": 3, "b": "true", "z": null}',
      '{"s": "x", "n": -2e3, "i": -0, "b": false, "z": null}']),
    ("required-and-optional", {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"},
                                                                "c": {"type": "boolean"}},
                               "required": ["b"], "additionalProperties": False},
     ['{"b": "x"}', '{"a": 1, "b": "x"}', '{"b": "x", "c": true}', '{"a": 1, "b": "x", "c": false}', '{}',
      '{"a": 1}', '{"a": 1, "c": true}', '{"b": "x", "d": 1}']),
    ("additional-properties", {"type": "object", "properties": {"a": {"type": "integer"}},
                               "additionalProperties": {"type": "string"}},
     ['{}', '{"a": 1}', '{"a": 1, "x": "y"}', '{"x": "y", "z": "w"}', '{"a": 1, "x": 2}']),
    ("any-extra", {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": True},
     ['{"a": 1, "b": [1, {"c": null}]}', '{"q": true}', '{"a": 1, "q": "w", "r": 2}']),
    ("no-additional-keyword", {"type": "object", "properties": {"a": {"type": "integer"}}},
     ['{}', '{"a": 1}', '{"a": "x"}']),
    ("arrays", {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3},
     ['[]', '[1]', '[1, 2, 3]', '[1, 2, 3, 4]', '[1, "a"]']),
    ("min-items-only", {"type": "array", "items": {"type": "string"}, "minItems": 2},
     ['["a"]', '["a", "b"]', '["a", "b", "c", "d"]']),
    ("tuple", {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
     ['["a", 1]', '["a"]', '[]', '["a", 1, 2]', '[1, "a"]']),
    ("tuple-then-items", {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "boolean"}},
     ['[]', '["a"]', '["a", true, false]', '["a", 1]']),
    ("enum-const", {"type": "object", "properties": {"color": {"enum": ["red", "green", 3, None]},
                                                     "kind": {"const": "fixed"}},
                    "required": ["color", "kind"], "additionalProperties": False},
     ['{"color": "red", "kind": "fixed"}', '{"color": 3, "kind": "fixed"}', '{"color": null, "kind": "fixed"}',
      '{"color": "blue", "kind": "fixed"}', '{"color": "red", "kind": "other"}']),
    ("any-of", {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}]},
     ['"ab"', '"abc"', '7', '7.5', 'null']),
    ("string-lengths", {"type": "string", "minLength": 2, "maxLength": 4},
     ['"a"', '"ab"', '"abcd"', '"abcde"', '"\\u00e9\\u00e9"', '"\u00e9t\u00e9"']),
    ("pattern", {"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$"},
     ['"AB-123"', '"ab-123"', '"AB-12"', '"AB-1234"', '"XY-000"']),
    ("pattern-unanchored", {"type": "string", "pattern": "cat|dog"},
     ['"cat"', '"a dog!"', '"bird"', '"hotdogs"']),
    ("formats", {"type": "object", "properties": {"d": {"type": "string", "format": "date"},
                                                  "t": {"type": "string", "format": "date-time"},
                                                  "u": {"type": "string", "format": "uuid"}},
                 "required": ["d", "t", "u"], "additionalProperties": False},
     ['{"d": "2024-02-29", "t": "2024-02-29T12:30:00Z", "u": "123e4567-e89b-12d3-a456-426614174000"}',
      '{"d": "2024-13-01", "t": "2024-02-29T12:30:00Z", "u": "123e4567-e89b-12d3-a456-426614174000"}',
      '{"d": "2024-02-29", "t": "2024-02-29 12:30:00", "u": "123e4567-e89b-12d3-a456-426614174000"}',
      '{"d": "2024-02-29", "t": "2024-02-29T12:30:00+01:00", "u": "not-a-uuid"}']),
    ("integer-range", {"type": "integer", "minimum": -2, "maximum": 12},
     ['-2', '0', '12', '13', '-3']),
    ("non-negative", {"type": "integer", "minimum": 0}, ['0', '17', '-1']),
    ("refs-recursive", {"$defs": {"node": {"type": "object", "properties": {
        "value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
        "required": ["value", "children"], "additionalProperties": False}},
        "$ref": "#/$defs/node"},
     ['{"value": 1, "children": []}', '{"value": 1, "children": [{"value": 2, "children": []}]}',
      '{"value": 1, "children": [{"value": "x", "children": []}]}', '{"value": 1}']),
    ("nested", {"type": "object", "properties": {"people": {"type": "array", "items": {
        "type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name"], "additionalProperties": False}}}, "required": ["people"], "additionalProperties": False},
     ['{"people": []}', '{"people": [{"name": "Ada", "age": 36}, {"name": "Alan"}]}',
      '{"people": [{"age": 3}]}', '{"people": [{"name": "Ada", "age": -1}]}']),
    ("type-list", {"type": ["string", "null"]}, ['"x"', 'null', '1']),
]

UNSUPPORTED = [
    {"type": "string", "contentEncoding": "base64"},
    {"type": "number", "multipleOf": 3},
    {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
    {"type": "string", "format": "ipv4"},
    {"type": "integer", "minimum": 5},
    {"allOf": [{"type": "string"}, {"maxLength": 3}]},
    {"type": "array", "uniqueItems": True},
    {"not": {"type": "string"}},
]


def main():
    out = {"cases": [], "unsupported": UNSUPPORTED}
    for name, schema, texts in CASES:
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        instances = []
        for text in texts:
            instances.append({"text": text, "valid": validator.is_valid(json.loads(text))})
        out["cases"].append({"name": name, "schema": schema, "instances": instances})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
