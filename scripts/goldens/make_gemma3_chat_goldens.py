#!/usr/bin/env python3
"""What `loom chat --chat-template tests/data/upstream/tokenizers/gemma3/tokenizer_config.json` must render,
made with Hugging Face's Jinja environment (transformers' _compile_jinja_template, rendered with the variables
apply_chat_template passes), into tests/data/chat/gemma3_chat_render.json. tests/e2e/gemma3_cli.sh drives
loom chat with the real Gemma 3 270M (a base model without a template of its own) through the same turns and
compares every rendered prompt (LOOM_LOG=debug prints them).

  "first": --system SYSTEM, then the user's FIRST message (Gemma 3 folds the system prompt into the first user
           turn);
  "loaded": after `/load` of "conversation" (system, user, assistant), the user's NEXT message;
  "next": after loom's reply to it (REPLY below stands for the reply, which the template trims), the user's
          LAST message.

    python3 scripts/goldens/make_gemma3_chat_goldens.py
Needs transformers (its Jinja environment) only.
"""
import json
import os

from transformers.utils.chat_template_utils import _compile_jinja_template

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = os.path.join(ROOT, "tests", "data", "upstream", "tokenizers", "gemma3", "tokenizer_config.json")
OUT = os.path.join(ROOT, "tests", "data", "chat", "gemma3_chat_render.json")
REPLY = "@@REPLY@@"
SYSTEM = "You are a terse assistant."
FIRST = "Hello there."
CONVERSATION = [{"role": "system", "content": "Answer in one word."},
                {"role": "user", "content": "Name a colour."},
                {"role": "assistant", "content": "Blue."}]
NEXT = "And a fruit?"
LAST = "Thanks!"


def main():
    with open(CONFIG, encoding="utf-8") as f:
        config = json.load(f)
    template = _compile_jinja_template(config["chat_template"])

    def render(messages):
        return template.render(messages=messages, tools=None, documents=None, add_generation_prompt=True,
                               bos_token="<bos>", eos_token="<eos>")

    loaded = CONVERSATION + [{"role": "user", "content": NEXT}]
    golden = {
        "generator": "scripts/goldens/make_gemma3_chat_goldens.py (transformers %s)" % (
            __import__("transformers").__version__),
        "system": SYSTEM, "first_message": FIRST, "conversation": CONVERSATION, "next_message": NEXT,
        "last_message": LAST, "reply_placeholder": REPLY,
        "first": render([{"role": "system", "content": SYSTEM}, {"role": "user", "content": FIRST}]),
        "loaded": render(loaded),
        "next": render(loaded + [{"role": "assistant", "content": REPLY}, {"role": "user", "content": LAST}]),
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(golden["next"])


if __name__ == "__main__":
    main()
