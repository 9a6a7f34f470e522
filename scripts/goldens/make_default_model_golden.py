#!/usr/bin/env python3
"""Reference outputs of the default model (SmolLM2-135M-Instruct, GGUF Q4_1) from Hugging Face transformers
loading the same GGUF (dequantized to float32), into tests/data/decoders/smollm2_default.json:
  - "tokens": the first 600 tokens of tests/data/upstream/sentencepiece/botchan.txt (a public-domain novel),
  - "top1": the reference's most likely next token at each position,
  - "nll": the reference's negative log-likelihood of each actual next token (perplexity = exp(mean)),
  - "prompt" / "greedy": 64 greedy tokens after "The three primary colors are".

    bash scripts/fetch_default_model.sh && python3 scripts/goldens/make_default_model_golden.py
Needs torch, transformers, gguf (takes ~2 minutes: transformers dequantizes every tensor).
"""
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODEL_DIR = os.path.join(REPO, "models")
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
TEXT = os.path.join(REPO, "tests", "data", "upstream", "sentencepiece", "botchan.txt")
N_TOKENS = 600
PROMPT = "The three primary colors are"


def main():
    tok = AutoTokenizer.from_pretrained(MODEL_DIR, gguf_file=MODEL_FILE)
    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, gguf_file=MODEL_FILE, dtype=torch.float32)
    model.eval()
    with open(TEXT, encoding="utf-8") as f:
        text = f.read()
    ids = tok(text[:20000]).input_ids[:N_TOKENS]
    assert len(ids) == N_TOKENS
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    logprobs = torch.log_softmax(logits, dim=-1)
    nll = [-logprobs[i, ids[i + 1]].item() for i in range(N_TOKENS - 1)]
    top1 = logits.argmax(-1).tolist()
    prompt_ids = tok(PROMPT, return_tensors="pt").input_ids
    with torch.no_grad():
        out = model.generate(prompt_ids, attention_mask=torch.ones_like(prompt_ids), max_new_tokens=64,
                             min_new_tokens=64, do_sample=False, eos_token_id=None, pad_token_id=2)
    golden = {
        "model": MODEL_FILE,
        "generator": "scripts/goldens/make_default_model_golden.py (transformers %s, torch %s)" % (
            __import__("transformers").__version__, torch.__version__),
        "tokens": ids,
        "top1": top1,
        "nll": [round(x, 6) for x in nll],
        "prompt": PROMPT,
        "prompt_tokens": prompt_ids[0].tolist(),
        "greedy": out[0, prompt_ids.shape[1]:].tolist(),
    }
    os.makedirs(os.path.join(REPO, "tests", "data", "decoders"), exist_ok=True)
    with open(os.path.join(REPO, "tests", "data", "decoders", "smollm2_default.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    print("perplexity", torch.tensor(nll).mean().exp().item(), "greedy", tok.decode(golden["greedy"]))


if __name__ == "__main__":
    main()
