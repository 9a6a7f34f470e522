"""Function calling on `loom serve` (docs/tools.md) with the official openai client and the default model
(SmolLM2-135M-Instruct, whose chat template knows no tools, so the generic JSON format is used):
- tool_choice "required" and a named function: the answer is a tool call (finish_reason "tool_calls", content
  null) whose arguments validate against the function's parameters with `jsonschema`, at temperature 1 over
  several seeds;
- streamed: the tool_calls deltas (id, type and name first, then argument fragments) join to the same call as
  the unstreamed answer with the same seed, and no content delta carries the call's JSON;
- round trip: the assistant's tool_calls and a role "tool" result sent back get a plain final answer;
- bad tools / tool_choice are 400s naming the field; /v1/completions takes no tools."""
import json
import sys

import jsonschema
import openai

from serve_helpers import DEFAULT_MODEL, Server

# Every string and array is bounded, so a call always fits in max_tokens.
WEATHER = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "maxLength": 24},
        "unit": {"enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
}
ADD = {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 100},
                                        "b": {"type": "integer", "minimum": 0, "maximum": 100}},
       "required": ["a", "b"], "additionalProperties": False}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city",
                                      "parameters": WEATHER}},
    {"type": "function", "function": {"name": "add", "description": "Add two numbers", "parameters": ADD}},
]
SCHEMAS = {"get_weather": WEATHER, "add": ADD}
QUESTION = [{"role": "user", "content": "What is the weather like in Paris today?"}]


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def check_calls(calls, what):
    check(calls is not None and len(calls) >= 1, f"{what}: has tool calls")
    for call in calls:
        check(call.type == "function" and call.id.startswith("call_"), f"{what}: id {call.id}, type function")
        check(call.function.name in SCHEMAS, f"{what}: a known function ({call.function.name})")
        jsonschema.validate(json.loads(call.function.arguments), SCHEMAS[call.function.name])
        check(True, f"{what}: arguments validate: {call.function.arguments}")


def streamed_call(client, **kwargs):
    """Joins the streamed deltas: (content, [(id, name, arguments)], finish_reason)."""
    content, calls, finish = "", [], None
    for chunk in client.chat.completions.create(stream=True, **kwargs):
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        delta = choice.delta
        if delta.content:
            content += delta.content
        for d in delta.tool_calls or []:
            if d.id is not None:
                check(d.index == len(calls) and d.type == "function" and d.function.name,
                      f"stream: call {d.index} opens with id, type and name")
                calls.append([d.id, d.function.name, ""])
            calls[d.index][2] += d.function.arguments or ""
        if choice.finish_reason:
            finish = choice.finish_reason
    return content, calls, finish


def main(loom):
    server = Server(loom, "-m", DEFAULT_MODEL, "--slots", "2")
    client = openai.OpenAI(base_url=server.base + "/v1", api_key="unused", max_retries=0)
    try:
        # "required": a call of either function, temperature 1, several seeds. One call each
        # (parallel_tool_calls false): at temperature 1 this small model may go on adding calls until max_tokens.
        for seed in range(3):
            r = client.chat.completions.create(model="loom", messages=QUESTION, tools=TOOLS, tool_choice="required",
                                               parallel_tool_calls=False, temperature=1.0, seed=seed,
                                               max_tokens=200)
            c = r.choices[0]
            check(c.finish_reason == "tool_calls", f"required seed {seed}: finish_reason {c.finish_reason}")
            check(c.message.content is None, f"required seed {seed}: content null")
            check_calls(c.message.tool_calls, f"required seed {seed}")
            check(len(c.message.tool_calls) == 1, f"required seed {seed}: one call")
        # Parallel calls allowed (the default), greedy: calls, each valid.
        r = client.chat.completions.create(model="loom", messages=QUESTION, tools=TOOLS, tool_choice="required",
                                           temperature=0, max_tokens=300)
        check(r.choices[0].finish_reason == "tool_calls", f"required, parallel: {r.choices[0].finish_reason}")
        check_calls(r.choices[0].message.tool_calls, "required, parallel")

        # A named function, unstreamed then streamed with the same seed: the same call.
        named = {"type": "function", "function": {"name": "get_weather"}}
        kwargs = dict(model="loom", messages=QUESTION, tools=TOOLS, tool_choice=named, temperature=1.0, seed=11,
                      max_tokens=200)
        r = client.chat.completions.create(**kwargs)
        c = r.choices[0]
        check(c.finish_reason == "tool_calls", f"named: finish_reason {c.finish_reason}")
        check_calls(c.message.tool_calls, "named")
        check(len(c.message.tool_calls) == 1 and c.message.tool_calls[0].function.name == "get_weather",
              "named: one call of get_weather")
        content, calls, finish = streamed_call(client, **kwargs)
        check(finish == "tool_calls", f"stream: finish_reason {finish}")
        check(content == "", f"stream: no content deltas ({content!r})")
        check(len(calls) == 1 and calls[0][1] == "get_weather", "stream: one call of get_weather")
        check(json.loads(calls[0][2]) == json.loads(c.message.tool_calls[0].function.arguments),
              f"stream: the joined argument fragments give the unstreamed call's arguments: {calls[0][2]}")

        # Round trip: the call and its result go back; the answer is plain text.
        call = c.message.tool_calls[0]
        follow_up = QUESTION + [
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": call.id, "type": "function",
                 "function": {"name": call.function.name, "arguments": call.function.arguments}}]},
            {"role": "tool", "tool_call_id": call.id, "name": call.function.name,
             "content": json.dumps({"temperature": 22, "condition": "sunny"})},
        ]
        for extra in ({}, {"tools": TOOLS, "tool_choice": "none"}):
            r = client.chat.completions.create(model="loom", messages=follow_up, temperature=0, max_tokens=60,
                                               **extra)
            c = r.choices[0]
            check(c.finish_reason in ("stop", "length") and not c.message.tool_calls,
                  f"round trip {list(extra) or 'without tools'}: finish_reason {c.finish_reason}")
            check(isinstance(c.message.content, str) and c.message.content.strip() != "",
                  f"round trip: a final answer: {c.message.content!r}")
        content, calls, finish = streamed_call(client, model="loom", messages=follow_up, temperature=0,
                                               max_tokens=60)
        check(finish in ("stop", "length") and not calls and content.strip(),
              f"round trip streamed: {finish}: {content!r}")

        # "auto": a call or a plain answer; either way well formed.
        r = client.chat.completions.create(model="loom", messages=QUESTION, tools=TOOLS, temperature=1.0, seed=5,
                                           parallel_tool_calls=False, max_tokens=200)
        c = r.choices[0]
        if c.message.tool_calls:
            check(c.finish_reason == "tool_calls", "auto: a call")
            check_calls(c.message.tool_calls, "auto")
        else:
            check(c.finish_reason in ("stop", "length") and isinstance(c.message.content, str)
                  and not c.message.content.lstrip().startswith('{"tool_calls"'),
                  f"auto: a plain answer {c.message.content!r}")

        # Bad input: 400 naming the field.
        def expect_400(param, fragment, route="chat", **body):
            try:
                if route == "chat":
                    client.chat.completions.create(model="loom", messages=QUESTION, max_tokens=4, **body)
                else:
                    client.completions.create(model="loom", prompt="x", max_tokens=4, extra_body=body)
            except openai.BadRequestError as e:
                err = e.body if isinstance(e.body, dict) else {}
                check(err.get("param") == param and fragment in err.get("message", ""),
                      f"400 {param}: {err.get('message')}")
                return
            check(False, f"expected a 400 for {body}")
        expect_400("tool_choice", "'nope'", tools=TOOLS, tool_choice={"type": "function", "function": {"name": "nope"}})
        expect_400("tool_choice", "without 'tools'", tool_choice="required")
        expect_400("tools", "tools[0].function.name", tools=[{"type": "function", "function": {}}])
        expect_400("tools", "tools[0].function.parameters: json schema at #/properties/n", tools=[{"type": "function", "function": {"name": "f", "parameters": {
            "type": "object", "properties": {"n": {"type": "number", "multipleOf": 2}}}}}])
        expect_400("tools", "/v1/completions", route="completions", tools=TOOLS)
        code = server.stop()
        check(code == 0, "server exits 0 on SIGTERM")
    except BaseException:  # a failed check() is SystemExit: show the log and leave no server behind
        print(server.output()[-3000:])
        raise
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
    print("serve_tools: PASS")


if __name__ == "__main__":
    main(sys.argv[1])
