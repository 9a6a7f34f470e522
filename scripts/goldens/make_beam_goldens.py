#!/usr/bin/env python3
"""Records Hugging Face transformers beam-search outputs (`generate(num_beams>1, do_sample=False)`) on the tiny
random decoders written by write_tiny_weights.py, into tests/data/beam/<model>.json, for
tests/parity/test_beam_tiny.cpp. Each file holds the prompt and a list of cases; each case names its generate()
options (the keys of loom's BeamSearchOptions) and the returned sequences (generated ids only, EOS included,
no padding) with their `sequences_scores` (sum of log-probs / generated_length ** length_penalty).

The models have no EOS of their own: each case names one (`eos`, a token these random models do produce, so
beams finish at different lengths and the length penalty and early stopping decide the outcome).

    python3 scripts/goldens/make_beam_goldens.py          # rewrites tests/data/beam/*.json
Needs: numpy, safetensors, torch, transformers (the test itself only needs numpy + safetensors).
"""
import json
import os
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "data", "beam")
PROMPT = [3, 17, 200, 45, 99, 128, 7, 255, 64, 1, 33, 150]
MODELS = ["gpt2", "llama", "qwen2", "bloom"]


def cases(eos):
    """(name, prompt, options) — options use loom's names; to_hf() maps them onto generate() kwargs."""
    base = {"num_beams": 4, "max_new_tokens": 20, "eos": [eos], "length_penalty": 1.0, "early_stopping": "false"}
    out = [
        ("lp1", PROMPT, dict(base)),
        ("lp06", PROMPT, dict(base, length_penalty=0.6)),
        ("lp2_never", PROMPT, dict(base, length_penalty=2.0, early_stopping="never")),
        ("lp06_never", PROMPT, dict(base, length_penalty=0.6, early_stopping="never")),
        ("early_true", PROMPT, dict(base, early_stopping="true")),
        ("early_true_lp06", PROMPT, dict(base, early_stopping="true", length_penalty=0.6)),
        ("ngram3", PROMPT, dict(base, no_repeat_ngram_size=3, max_new_tokens=30)),
        ("return2", PROMPT, dict(base, num_return_sequences=2)),
        ("return4_beams5", PROMPT, dict(base, num_beams=5, num_return_sequences=4, length_penalty=0.6)),
        ("beams2", PROMPT, dict(base, num_beams=2)),
        ("no_eos", PROMPT, dict(base, eos=[], max_new_tokens=12)),
        ("two_eos", PROMPT, dict(base, eos=[eos, (eos + 1) % 256])),
        ("min_new_tokens", PROMPT, dict(base, min_new_tokens=8)),
        ("min_length", PROMPT, dict(base, min_length=len(PROMPT) + 5)),
        ("repetition_penalty", PROMPT, dict(base, repetition_penalty=1.5, no_repeat_ngram_size=2)),
        ("forced_eos", PROMPT, dict(base, forced_eos_token_id=[7], max_new_tokens=10)),
        ("forced_bos", [5], dict(base, forced_bos_token_id=42, max_new_tokens=10)),
    ]
    return out


def to_hf(opts, prompt_len):
    kw = {"num_beams": opts["num_beams"], "max_new_tokens": opts["max_new_tokens"], "do_sample": False,
          "length_penalty": opts["length_penalty"],
          "early_stopping": {"false": False, "true": True, "never": "never"}[opts["early_stopping"]],
          "num_return_sequences": opts.get("num_return_sequences", 1),
          "eos_token_id": opts["eos"] if opts["eos"] else None,
          "pad_token_id": 0}
    for key in ("no_repeat_ngram_size", "min_new_tokens", "min_length", "repetition_penalty",
                "forced_bos_token_id", "forced_eos_token_id"):
        if key in opts:
            kw[key] = opts[key]
    return kw


def pick_eos(model):
    """A token the model's greedy continuation reaches after a few steps: beams then finish mid-search."""
    ids = torch.tensor([PROMPT])
    out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=8, min_new_tokens=8,
                         do_sample=False, eos_token_id=None, pad_token_id=0)
    return int(out[0, len(PROMPT) + 5])


def run_case(model, prompt, opts):
    ids = torch.tensor([prompt])
    out = model.generate(ids, attention_mask=torch.ones_like(ids), return_dict_in_generate=True,
                         output_scores=True, **to_hf(opts, len(prompt)))
    seqs, scores = [], []
    for i in range(out.sequences.shape[0]):
        # beam_indices is -1 past a hypothesis' own end: its generated length, EOS included, padding excluded.
        n_gen = int((out.beam_indices[i] != -1).sum())
        seqs.append(out.sequences[i, len(prompt):len(prompt) + n_gen].tolist())
        scores.append(round(float(out.sequences_scores[i]), 7))
    return seqs, scores


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(HERE, "write_tiny_weights.py"), "--out", tmp], check=True,
                       stdout=subprocess.DEVNULL)
        for name in MODELS:
            model = AutoModelForCausalLM.from_pretrained(os.path.join(tmp, name), dtype=torch.float32,
                                                         attn_implementation="eager")
            model.eval()
            with torch.no_grad():
                eos = pick_eos(model)
                records = []
                for case_name, prompt, opts in cases(eos):
                    seqs, scores = run_case(model, prompt, opts)
                    records.append({"name": case_name, "prompt": prompt, "options": opts, "sequences": seqs,
                                    "scores": scores})
                    n_eos = sum(1 for s in seqs if s and s[-1] in opts["eos"])
                    print(name, case_name, "lengths", [len(s) for s in seqs], "ending in eos", n_eos,
                          "scores", scores)
            golden = {
                "model": name,
                "generator": "scripts/goldens/make_beam_goldens.py (transformers %s, torch %s)" % (
                    __import__("transformers").__version__, torch.__version__),
                "cases": records,
            }
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                json.dump(golden, f, indent=1)
                f.write("\n")


if __name__ == "__main__":
    main()
