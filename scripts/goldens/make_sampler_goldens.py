#!/usr/bin/env python3
"""Goldens for loom's sampler chain from Hugging Face transformers' logits processors.

For a few seeded random logit vectors, applies TopKLogitsWarper, TopPLogitsWarper, MinPLogitsWarper,
TypicalLogitsWarper, TemperatureLogitsWarper and RepetitionPenaltyLogitsProcessor and records, per case, the ids
that survive (logit not -inf) and, for the logit-reshaping ones, the resulting logits.
Cases whose top-p / min-p / typical boundary sits within 1e-4 of the threshold are skipped (regenerated with the
next seed), so float32 rounding cannot flip membership on either side.

Rerun: python3 scripts/goldens/make_sampler_goldens.py  (writes tests/data/sampler/hf_logits_processors.json)
"""
import json
import os

import numpy as np
import torch
from transformers.generation.logits_process import (MinPLogitsWarper, RepetitionPenaltyLogitsProcessor,
                                                     TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper,
                                                     TypicalLogitsWarper)

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "sampler", "hf_logits_processors.json")
VOCAB = 64
MARGIN = 1e-4


def survivors(scores):
    return [i for i, v in enumerate(scores[0].tolist()) if v != float("-inf")]


def top_p_margin(logits, p):
    probs = np.sort(torch.softmax(torch.tensor(logits, dtype=torch.float64), -1).numpy())[::-1]
    return np.min(np.abs(np.cumsum(probs) - p))


def min_p_margin(logits, p):
    probs = torch.softmax(torch.tensor(logits, dtype=torch.float64), -1).numpy()
    return np.min(np.abs(probs - p * probs.max()))


def typical_margin(logits, mass):
    lp = torch.log_softmax(torch.tensor(logits, dtype=torch.float64), -1).numpy()
    p = np.exp(lp)
    ent = -(lp * p).sum()
    order = np.argsort(np.abs(-lp - ent), kind="stable")
    return np.min(np.abs(np.cumsum(p[order]) - mass))


def main():
    rng = np.random.default_rng(1234)
    cases = []
    while len(cases) < 24:
        scale = float(rng.choice([0.5, 1.0, 2.0, 4.0]))
        logits = (rng.standard_normal(VOCAB) * scale).astype(np.float32)
        kind = ["top_k", "top_p", "min_p", "typical", "temperature", "repetition"][len(cases) % 6]
        x = torch.tensor(logits).unsqueeze(0)
        ids = torch.zeros((1, 1), dtype=torch.long)
        case = {"kind": kind, "logits": [float(v) for v in logits]}
        if kind == "top_k":
            k = int(rng.integers(1, 20))
            out = TopKLogitsWarper(top_k=k)(ids, x.clone())
            case["k"] = k
        elif kind == "top_p":
            p = float(np.float32(rng.choice([0.3, 0.5, 0.8, 0.9, 0.95])))
            if top_p_margin(logits, p) < MARGIN:
                continue
            out = TopPLogitsWarper(top_p=p)(ids, x.clone())
            case["p"] = p
        elif kind == "min_p":
            p = float(np.float32(rng.choice([0.05, 0.1, 0.2, 0.5])))
            if min_p_margin(logits, p) < MARGIN:
                continue
            out = MinPLogitsWarper(min_p=p)(ids, x.clone())
            case["p"] = p
        elif kind == "typical":
            p = float(np.float32(rng.choice([0.2, 0.5, 0.9])))
            if typical_margin(logits, p) < MARGIN:
                continue
            out = TypicalLogitsWarper(mass=p)(ids, x.clone())
            case["p"] = p
        elif kind == "temperature":
            t = float(np.float32(rng.choice([0.3, 0.7, 1.5])))
            out = TemperatureLogitsWarper(temperature=t)(ids, x.clone())
            case["temperature"] = t
        else:
            penalty = float(np.float32(rng.choice([1.1, 1.3, 2.0])))
            history = [int(v) for v in rng.integers(0, VOCAB, size=12)]
            out = RepetitionPenaltyLogitsProcessor(penalty=penalty)(torch.tensor([history]), x.clone())
            case["penalty"] = penalty
            case["history"] = history
        case["survivors"] = survivors(out)
        if kind in ("temperature", "repetition"):
            case["expected_logits"] = [float(v) for v in out[0].tolist()]
        cases.append(case)
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/goldens/make_sampler_goldens.py", "vocab": VOCAB, "cases": cases}, f,
                  indent=1)
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
