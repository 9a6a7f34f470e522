#!/usr/bin/env python3
"""Goldens for loom's chat-template renderer, made with Hugging Face's own Jinja environment.

Compiles each template with transformers' `_compile_jinja_template` (ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loopcontrols, raise_exception, strftime_now, tojson = json.dumps(ensure_ascii=False),
dict, namespace) and renders it as `apply_chat_template` does:
    template.render(messages=..., tools=..., documents=None, add_generation_prompt=..., bos_token=..., eos_token=...)
Templates: every tests/data/upstream/chat-templates/*.jinja and the chat_template of every
tests/data/upstream/tokenizers/*/tokenizer_config.json that has one. Also a set of small "feature" templates that
exercise filters, tests, whitespace control, macros, loops and strftime_now one by one.

strftime_now is made deterministic by patching the datetime module transformers uses so that now() returns
NOW below; the C++ test passes the same time through ChatTemplateOptions::now (or LOOM_CHAT_TEMPLATE_NOW).

When Python raises, the case records the exception type and message instead of the text.

Rerun from the repository root: python3 scripts/goldens/make_chat_template_goldens.py
(writes tests/data/chat/chat_template_goldens.json)
"""
import datetime as real_datetime
import glob
import json
import os

import transformers.utils.chat_template_utils as ctu

from chat_template_features import FEATURES

NOW = real_datetime.datetime(2024, 7, 26, 10, 30, 0)
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "chat", "chat_template_goldens.json")


class FixedDatetime(real_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW


ctu.datetime = FixedDatetime

# bos/eos per template file (the tokenizer configs carry their own).
SPECIAL_TOKENS = {
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use": ("<|begin_of_text|>", "<|eot_id|>"),
    "Qwen-Qwen2.5-7B-Instruct": ("", "<|im_end|>"),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "google-gemma-2-2b-it": ("<bos>", "<eos>"),
    "meta-llama-Llama-3.1-8B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "microsoft-Phi-3.5-mini-instruct": ("<s>", "<|endoftext|>"),
    "mistralai-Mistral-Nemo-Instruct-2407": ("<s>", "</s>"),
}

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "The city and country, e.g. Paris, France"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"},
                },
                "required": ["location"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search the web",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string", "description": "  What to look for  "},
                               "max_results": {"type": "integer", "description": "Limit"},
                               "tags": {"type": "array", "items": {"type": "string"}, "description": "Filters"},
                               "options": {"type": "object", "additionalProperties": {"type": "number"},
                                           "description": "Extra"}},
                "required": ["query"],
            },
        },
    },
]
TOOL_CONVERSATION = [
    {"role": "user", "content": "What's the weather like in Paris today?"},
    {"role": "assistant", "content": "", "tool_calls": [{
        "id": "call12345", "type": "function",
        "function": {"name": "get_weather", "arguments": {"location": "Paris, France", "unit": "celsius"}}}]},
    {"role": "tool", "tool_call_id": "call12345", "name": "get_weather",
     "content": "{\"temperature\": 22, \"condition\": \"sunny\"}"},
    {"role": "assistant", "content": "It is 22°C and sunny in Paris."},
]
# DeepSeek's templates concatenate the arguments as a string.
TOOL_CONVERSATION_STRING_ARGS = [
    TOOL_CONVERSATION[0],
    {"role": "assistant", "content": None, "tool_calls": [{
        "id": "call12345", "type": "function",
        "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris, France\"}"}}]},
    TOOL_CONVERSATION[2],
    TOOL_CONVERSATION[3],
]

CONVERSATIONS = {
    "user_only": {"messages": [{"role": "user", "content": "What is 2+2?"}]},
    "system_user": {"messages": [SYSTEM, {"role": "user", "content": "Hello! How are you?"}]},
    "multi_turn": {"messages": [
        SYSTEM,
        {"role": "user", "content": "Name a prime number."},
        {"role": "assistant", "content": "  7 is a prime number.  "},
        {"role": "user", "content": "And an even one?"},
    ]},
    "multi_turn_no_system": {"messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke.\nMake it short."},
    ]},
    "non_ascii": {"messages": [
        {"role": "user", "content": "  Héllo, wörld! 你好 🌍 Привет\t"},
        {"role": "assistant", "content": "Ça va très bien — merci! ✓ <think>hmm</think>"},
        {"role": "user", "content": "日本語でお願いします。\"quotes\" and \\backslash\\"},
    ]},
    "thinking": {"messages": [
        {"role": "user", "content": "Is 91 prime?"},
        {"role": "assistant", "content": "<think>\n91 = 7 * 13.\n</think>\n\nNo, 91 = 7 × 13."},
        {"role": "user", "content": "Thanks"},
    ]},
    "tool_use": {"messages": TOOL_CONVERSATION, "tools": TOOLS},
    "tool_use_string_args": {"messages": TOOL_CONVERSATION_STRING_ARGS, "tools": TOOLS},
    "tools_no_calls": {"messages": [SYSTEM, {"role": "user", "content": "Search for llamas."}], "tools": TOOLS},
    # A union type sends Hermes-3's json_to_python_type macro into unbounded recursion in Python too.
    "tools_union_type": {"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function", "function": {
        "name": "f", "description": "d", "parameters": {"type": "object", "properties": {
            "x": {"type": ["integer", "null"], "description": "union"}}}}}]},
}


def load_templates():
    templates = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "upstream", "chat-templates", "*.jinja"))):
        name = os.path.basename(path)[: -len(".jinja")]
        bos, eos = SPECIAL_TOKENS[name]
        with open(path, encoding="utf-8") as f:
            source = f.read()
        templates.append({"name": name, "path": "tests/data/upstream/chat-templates/" + os.path.basename(path),
                          "bos_token": bos, "eos_token": eos, "source": source})
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "upstream", "tokenizers", "*", "tokenizer_config.json"))):
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        source = config.get("chat_template")
        if not isinstance(source, str):
            continue

        def token(key):
            t = config.get(key)
            if isinstance(t, dict):
                return t.get("content", "")
            return t or ""

        folder = os.path.basename(os.path.dirname(path))
        templates.append({"name": "tokenizer-" + folder, "path": f"tests/data/upstream/tokenizers/{folder}/tokenizer_config.json",
                          "bos_token": token("bos_token"), "eos_token": token("eos_token"), "source": source})
    return templates


def render(source, **context):
    try:
        return {"expected": ctu._compile_jinja_template(source).render(**context)}
    except Exception as e:  # noqa: BLE001 - the golden records what Python did
        return {"error_type": type(e).__name__, "error": str(e)}


def main():
    templates = load_templates()
    cases = []
    for t in templates:
        for conv_name, conv in CONVERSATIONS.items():
            for agp in (False, True):
                result = render(t["source"], messages=conv["messages"], tools=conv.get("tools"), documents=None,
                                add_generation_prompt=agp, bos_token=t["bos_token"], eos_token=t["eos_token"])
                cases.append({"template": t["name"], "conversation": conv_name, "add_generation_prompt": agp, **result})
    features = []
    for name, source, context in FEATURES:
        features.append({"name": name, "source": source, "context": context, **render(source, **context)})
    for t in templates:
        del t["source"]
    out = {"generator": "scripts/goldens/make_chat_template_goldens.py", "now": NOW.isoformat(),
           "templates": templates, "conversations": CONVERSATIONS, "cases": cases, "features": features}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    n_err = sum("error" in c for c in cases)
    f_err = sum("error" in c for c in features)
    print(f"wrote {len(cases)} template cases ({n_err} raise) and {len(features)} feature cases ({f_err} raise) to {OUT}")


if __name__ == "__main__":
    main()
