"""Structured outputs on `loom serve` (src/server/structured_output.h) with the official openai client:
every answer under response_format json_schema parses and validates with `jsonschema` (temperature 1, several
seeds, both routes, streamed and not); json_object gives JSON; a `grammar` (GBNF) is followed; invalid
schemas and grammars are 400s with the field as `param`."""
import json
import sys

import jsonschema
import openai

from serve_helpers import DEFAULT_MODEL, Server

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 24},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "languages": {"type": "array", "items": {"enum": ["English", "French", "German"]}, "maxItems": 3},
        "born": {"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]},
    },
    "required": ["name", "age", "languages"],
    "additionalProperties": False,
}


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def main(loom):
    server = Server(loom, "-m", DEFAULT_MODEL, "--slots", "2")
    client = openai.OpenAI(base_url=server.base + "/v1", api_key="unused", max_retries=0)
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON, "strict": True}}
    try:
        # Chat and completions, streamed and not, temperature 1: always valid.
        for seed in range(4):
            r = client.chat.completions.create(
                model="loom", messages=[{"role": "user", "content": "Describe a famous scientist as JSON."}],
                response_format=fmt, temperature=1.0, seed=seed, max_tokens=300)
            text = r.choices[0].message.content
            # The schema bounds every string and array, so the answer always fits in max_tokens.
            check(r.choices[0].finish_reason == "stop", f"chat seed {seed}: finished ({r.choices[0].finish_reason})")
            jsonschema.validate(json.loads(text), PERSON)
            check(True, f"chat seed {seed}: valid: {text}")
        stream = client.chat.completions.create(
            model="loom", messages=[{"role": "user", "content": "Describe a person as JSON."}],
            response_format=fmt, temperature=1.0, seed=7, max_tokens=300, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        jsonschema.validate(json.loads(text), PERSON)
        check(True, f"streamed chat valid: {text}")
        r = client.completions.create(model="loom", prompt="A person as JSON:", extra_body={"response_format": fmt},
                                      temperature=1.0, seed=3, max_tokens=300)
        jsonschema.validate(json.loads(r.choices[0].text), PERSON)
        check(True, f"completion valid: {r.choices[0].text}")

        # json_object: any JSON value (bounded so it finishes).
        r = client.chat.completions.create(
            model="loom", messages=[{"role": "user", "content": 'Reply with {"ok": true} and nothing else.'}],
            response_format={"type": "json_object"}, temperature=0, max_tokens=120)
        text = r.choices[0].message.content
        if r.choices[0].finish_reason == "stop":
            json.loads(text)
            check(True, f"json_object finished with JSON: {text}")
        else:  # any JSON value has no length bound: a cut answer must still be the start of one
            check(text.lstrip()[:1] in ("{", "[", '"') or text.lstrip()[:1].isdigit(),
                  f"json_object cut at max_tokens, starts like JSON: {text[:60]!r}")

        # llama-server's grammar field.
        r = client.completions.create(model="loom", prompt="Is water wet? Answer:", temperature=1.0, seed=1,
                                      max_tokens=10, extra_body={"grammar": 'root ::= " " ("yes" | "no") "."'})
        check(r.choices[0].text in (" yes.", " no."), f"grammar followed: {r.choices[0].text!r}")

        # Bad input: 400 naming the field (and the place inside it).
        def expect_400(body_extra, param, fragment):
            try:
                client.completions.create(model="loom", prompt="x", max_tokens=4, extra_body=body_extra)
            except openai.BadRequestError as e:
                err = e.body if isinstance(e.body, dict) else {}
                check(err.get("param") == param and fragment in err.get("message", ""),
                      f"400 {param}: {err.get('message')}")
                return
            check(False, f"expected a 400 for {body_extra}")
        expect_400({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {
            "type": "object", "properties": {"n": {"type": "number", "multipleOf": 2}}}}}},
            "response_format", "#/properties/n")
        expect_400({"response_format": {"type": "xml"}}, "response_format", "json_schema")
        expect_400({"grammar": "root ::= undefined-rule"}, "grammar", "line 1, column 10")
        expect_400({"grammar": 'root ::= "a"', "response_format": {"type": "json_object"}}, "grammar",
                   "exclude each other")
        code = server.stop()
        check(code == 0, "server exits 0 on SIGTERM")
    except Exception:
        print(server.output()[-3000:])
        raise
    print("serve_structured: PASS")


if __name__ == "__main__":
    main(sys.argv[1])
