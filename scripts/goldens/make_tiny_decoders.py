#!/usr/bin/env python3
"""Records reference outputs of the tiny decoders written by write_tiny_weights.py, with Hugging Face
transformers (torch CPU, float32, eager attention), into tests/data/decoders/<name>.json:
  - "tokens": a fixed prompt of 12 ids,
  - "logits": the logits at every prompt position [12, vocab], rounded to 6 decimals,
  - "greedy": the 64 ids `generate(do_sample=False)` continues the prompt with (no EOS stop).

    python3 scripts/goldens/make_tiny_decoders.py          # rewrites tests/data/decoders/*.json
    python3 scripts/goldens/make_tiny_decoders.py gemma3 qwen3   # only these
Needs: numpy, safetensors, torch, transformers (the tests themselves only need numpy + safetensors).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "data", "decoders")
PROMPT = [3, 17, 200, 45, 99, 128, 7, 255, 64, 1, 33, 150]
N_GREEDY = 64


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(HERE, "write_tiny_weights.py"), "--out", tmp], check=True)
        only = sys.argv[1:]
        for name in sorted(os.listdir(tmp)):
            if only and name not in only:
                continue
            model = AutoModelForCausalLM.from_pretrained(os.path.join(tmp, name), dtype=torch.float32,
                                                         attn_implementation="eager")
            model.eval()
            ids = torch.tensor([PROMPT])
            with torch.no_grad():
                logits = model(ids).logits[0].numpy()
                out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=N_GREEDY,
                                     min_new_tokens=N_GREEDY, do_sample=False, eos_token_id=None, pad_token_id=0)
            greedy = out[0, len(PROMPT):].tolist()
            assert len(greedy) == N_GREEDY, (name, len(greedy))
            golden = {
                "model": name,
                "generator": "scripts/goldens/make_tiny_decoders.py (transformers %s, torch %s)" % (
                    __import__("transformers").__version__, torch.__version__),
                "tokens": PROMPT,
                "vocab": int(logits.shape[1]),
                "logits": np.round(logits.astype(np.float64), 6).tolist(),
                "greedy": greedy,
            }
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                json.dump(golden, f, separators=(",", ":"))
            print(name, "greedy", greedy[:12], "...")


if __name__ == "__main__":
    main()
