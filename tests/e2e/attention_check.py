#!/usr/bin/env python3
"""Checks a `loom attention` output folder (used by tests/e2e/attention_cli.sh):
attention.json has transformers' output_attentions layout [layers][heads][query][key] over its tokens, in the
shape bertviz's head_view/model_view take (each layer a [heads, n, n] block, tokens of length n); rows sum to 1;
causal maps are zero above the diagonal; the PNGs and the HTML page exist.

    attention_check.py DIR --layers 2 --heads 4 --tokens-at-least 5 [--generated 3]
"""
import argparse
import json
import os
import sys

import numpy as np


def fail(msg):
    sys.exit("attention_check: FAIL: " + msg)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--tokens-at-least", type=int, default=1)
    p.add_argument("--generated", type=int, default=0)
    a = p.parse_args()
    with open(os.path.join(a.dir, "attention.json")) as f:
        d = json.load(f)
    att = np.array(d["attention"], dtype=np.float64)
    n = len(d["tokens"])
    if att.shape != (a.layers, a.heads, n, n):
        fail("attention shape %s, expected %s" % (att.shape, (a.layers, a.heads, n, n)))
    if len(d["labels"]) != n or len(d["token_ids"]) != n:
        fail("labels/token_ids do not match the tokens")
    if n < a.tokens_at_least:
        fail("%d tokens, expected at least %d" % (n, a.tokens_at_least))
    if n - d["n_prompt"] != a.generated:
        fail("%d generated tokens, expected %d" % (n - d["n_prompt"], a.generated))
    if len(d["layers"]) != a.layers or len(d["heads"]) != a.heads:
        fail("layers/heads lists do not match the data")
    sums = att.sum(axis=-1)
    if np.abs(sums - 1).max() > 1e-4:
        fail("rows do not sum to 1 (worst %g)" % np.abs(sums - 1).max())
    if d["causal"] and np.abs(np.triu(att, k=1)).max() != 0:
        fail("causal map has weight above the diagonal")
    # bertviz: head_view(attention=[tensor [1, heads, n, n] per layer], tokens=[n strings]).
    per_layer = [np.asarray(layer)[None] for layer in d["attention"]]
    if any(x.ndim != 4 or x.shape[-1] != n or x.shape[-2] != n for x in per_layer):
        fail("not bertviz's [1, heads, n, n] per layer")
    for name in ["attention.html", "rollout.png"] + ["layer%d_heads.png" % l for l in d["layers"]] + \
            ["layer%d_mean.png" % l for l in d["layers"]]:
        path = os.path.join(a.dir, name)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            fail("missing " + name)
        if name.endswith(".png"):
            with open(path, "rb") as f:
                if f.read(8) != b"\x89PNG\r\n\x1a\n":
                    fail(name + " is not a PNG")
    print("attention_check: ok: %d layers x %d heads x %d tokens (%d generated)" % (a.layers, a.heads, n,
                                                                                     a.generated))


if __name__ == "__main__":
    main()
