#!/usr/bin/env python3
"""Reference outputs of the real Gemma 3 270M (base model, GGUF Q4_K_M) from Hugging Face transformers loading
the same GGUF (dequantized to float32; transformers subtracts the 1 llama.cpp's converter added to every Gemma
norm gain), into tests/data/decoders/gemma3_270m.json:
  - "prompts": 5 short prompts and one of the first 600 tokens of botchan.txt (longer than the 512-token
    sliding window), each with "tokens" (BOS + text, the reference tokenizer read from the GGUF), "greedy"
    (48 greedy tokens) and "top5" (ids and probabilities of the 5 most likely first tokens);
  - "ppl_tokens" / "ppl": the first 1024 tokens of botchan.txt (no special tokens) and their perplexity, one
    1024-token window scored from an empty cache (as `loom perplexity -c 1024` scores it).

    bash scripts/fetch_gemma3.sh && python3 scripts/goldens/make_gemma3_goldens.py
Needs torch, transformers, gguf (a few minutes on 2 cores).
"""
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODEL_DIR = os.path.join(REPO, "models")
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
TEXT = os.path.join(REPO, "tests", "data", "upstream", "sentencepiece", "botchan.txt")
PROMPTS = [
    "The three primary colors are",
    "Once upon a time, in a small village by the sea,",
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
    "The capital of France is Paris. The capital of Germany is",
    "Photosynthesis is the process by which plants",
]
N_LONG = 600
N_GREEDY = 48
N_PPL = 1024


def main():
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(MODEL_DIR, gguf_file=MODEL_FILE)
    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, gguf_file=MODEL_FILE, dtype=torch.float32,
                                                 attn_implementation="eager")
    model.eval()
    # newline="": the file's CRLF line ends kept as they are, as `loom perplexity -f` reads it byte for byte.
    with open(TEXT, encoding="utf-8", newline="") as f:
        text = f.read()[:20000]
    cases = [{"text": p, "tokens": tok(p).input_ids} for p in PROMPTS]
    long_ids = tok(text).input_ids[:N_LONG]
    cases.append({"text": None, "tokens": long_ids, "note": "BOS + the first tokens of botchan.txt"})
    assert len(long_ids) == N_LONG and long_ids[0] == tok.bos_token_id
    for case in cases:
        ids = torch.tensor([case["tokens"]])
        with torch.no_grad():
            logits = model(ids).logits[0, -1].double()
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=N_GREEDY,
                                 min_new_tokens=N_GREEDY, do_sample=False, eos_token_id=None, pad_token_id=0)
        probs = torch.softmax(logits, -1)
        top = torch.topk(probs, 5)
        case["top5"] = {"ids": top.indices.tolist(), "probs": [round(p, 8) for p in top.values.tolist()]}
        case["greedy"] = out[0, ids.shape[1]:].tolist()
        assert len(case["greedy"]) == N_GREEDY
        print(len(case["tokens"]), "tokens ->", repr(tok.decode(case["greedy"][:16])), case["top5"]["probs"][:2])
    ppl_ids = tok(text, add_special_tokens=False).input_ids[:N_PPL]
    assert len(ppl_ids) == N_PPL
    with torch.no_grad():
        logits = model(torch.tensor([ppl_ids])).logits[0].double()
    logprobs = torch.log_softmax(logits, -1)
    nll = -torch.stack([logprobs[i, ppl_ids[i + 1]] for i in range(N_PPL - 1)])
    ppl = nll.mean().exp().item()
    print("perplexity over", N_PPL, "tokens:", ppl)
    golden = {
        "model": MODEL_FILE,
        "generator": "scripts/goldens/make_gemma3_goldens.py (transformers %s, torch %s, eager attention)" % (
            __import__("transformers").__version__, torch.__version__),
        "prompts": cases,
        "ppl_tokens": ppl_ids,
        "ppl": ppl,
    }
    with open(os.path.join(REPO, "tests", "data", "decoders", "gemma3_270m.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
