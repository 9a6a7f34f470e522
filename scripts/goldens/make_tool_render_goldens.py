#!/usr/bin/env python3
"""Goldens for `loom serve`'s function calling through a chat template (tests/unit/test_server_tool_template.cpp).

Each case is an OpenAI /v1/chat/completions request body (tools, and messages as the openai client sends them:
an assistant turn's tool_calls with `arguments` as a JSON string, a role "tool" message with tool_call_id and
name) and the prompt transformers renders for the same conversation with
    tokenizer.apply_chat_template(messages, tools=tools, tokenize=False, add_generation_prompt=True)
where `messages` hold the arguments as a dict, as transformers' chat-template docs ask. The C++ test reads the
request through loom's request parser and renders it with loom's chat template interpreter.

The tokenizer is tests/data/upstream/tokenizers/qwen3/tokenizer.json (only its special tokens matter for
rendering); the templates are tests/data/upstream/chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja and the
Hermes-3 tool_use template. No torch is needed: pip install transformers jinja2.

Rerun from the repository root: python3 scripts/goldens/make_tool_render_goldens.py
(writes tests/data/chat/tool_render_goldens.json)
"""
import copy
import json
import os

from transformers import PreTrainedTokenizerFast

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "chat", "tool_render_goldens.json")
TOKENIZER = "tests/data/upstream/tokenizers/qwen3/tokenizer.json"
TEMPLATES = [
    "tests/data/upstream/chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja",
    "tests/data/upstream/chat-templates/NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja",
]

TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {"type": "object", "properties": {
            "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["location", "unit"], "additionalProperties": False}}},
    {"type": "function", "function": {
        "name": "add",
        "description": "Add two integers",
        "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                       "required": ["a", "b"]}}},
]

CALL_ARGUMENTS = '{"location": "Paris, France", "unit": "celsius"}'
ROUND_TRIP = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What's the weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_abc123", "type": "function",
         "function": {"name": "get_weather", "arguments": CALL_ARGUMENTS}}]},
    {"role": "tool", "tool_call_id": "call_abc123", "name": "get_weather",
     "content": '{"temperature": 22, "condition": "sunny"}'},
]
TWO_CALLS = [
    {"role": "user", "content": "Weather in Oslo, and 2+3?"},
    {"role": "assistant", "content": "Let me check.", "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": '{"location": "Oslo, Norway", "unit": "celsius"}'}},
        {"id": "call_2", "type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'}}]},
    {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "-3 and snowing"},
    {"role": "tool", "tool_call_id": "call_2", "name": "add", "content": "5"},
]
CONVERSATIONS = {
    "first_turn": [{"role": "user", "content": "What's the weather in Paris?"}],
    "round_trip": ROUND_TRIP,
    "two_calls": TWO_CALLS,
}


def transformers_messages(openai_messages):
    """The same conversation as transformers takes it: tool-call arguments as a dict."""
    out = copy.deepcopy(openai_messages)
    for m in out:
        for call in m.get("tool_calls", []):
            call["function"]["arguments"] = json.loads(call["function"]["arguments"])
    return out


def main():
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(ROOT, TOKENIZER))
    cases = []
    for template_path in TEMPLATES:
        with open(os.path.join(ROOT, template_path), encoding="utf-8") as f:
            tokenizer.chat_template = f.read()
        for name, messages in CONVERSATIONS.items():
            expected = tokenizer.apply_chat_template(transformers_messages(messages), tools=TOOLS, tokenize=False,
                                                     add_generation_prompt=True)
            cases.append({"template": template_path, "conversation": name,
                          "bos_token": tokenizer.bos_token or "", "eos_token": tokenizer.eos_token or "",
                          "request": {"messages": messages, "tools": TOOLS}, "expected": expected})
    out = {"generator": "scripts/goldens/make_tool_render_goldens.py", "tokenizer": TOKENIZER, "cases": cases}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
