#!/usr/bin/env python3
"""Checks loom's Hugging Face <-> GGUF tensor name rules (src/formats/gguf_hf_names.cpp) for the BERT and T5
families against the PyPI `gguf` package's own tables (gguf.TensorNameMap, the mapping llama.cpp's converter
uses): every rule's Hugging Face stem must map to the rule's GGUF stem, and that GGUF name must be one
gguf.MODEL_TENSORS lists for the architecture. BART-style rules have no llama.cpp architecture and are not
checked here.

    python3 scripts/check_gguf_names.py        # exit 0 when every rule agrees; prints each mismatch
"""
import os
import re
import sys
from importlib.metadata import version

import gguf

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "src", "formats", "gguf_hf_names.cpp")
# Aliases of T5's shared embedding: llama.cpp's converter renames them to "shared" in code, so its name table
# does not list them; loom maps all three to token_embd.
ALIASES = {"encoder.embed_tokens", "decoder.embed_tokens"}
TABLES = {"kBert": gguf.MODEL_ARCH.BERT, "kDistilBert": gguf.MODEL_ARCH.BERT, "kT5": gguf.MODEL_ARCH.T5}


def rules(text, table):
    body = re.search(r"const StemRule %s\[\] = \{(.*?)\n\};" % table, text, re.S).group(1)
    return re.findall(r'\{"([^"]+)", "([^"]+)"\}', body)


def main():
    text = open(SOURCE).read()
    bad = 0
    checked = 0
    for table, arch in TABLES.items():
        names = gguf.TensorNameMap(arch, 4)
        known = {gguf.TENSOR_NAMES[t].format(bid=1) for t in gguf.MODEL_TENSORS[arch]}
        for hf, ours in rules(text, table):
            if hf in ALIASES:
                continue
            hf1, ours1 = hf.replace("#", "1"), ours.replace("#", "1")
            theirs = names.get_name(hf1)
            checked += 1
            if theirs != ours1 or ours1 not in known:
                bad += 1
                print("MISMATCH %s: %s -> loom %s, gguf %s%s" % (table, hf1, ours1, theirs,
                      "" if ours1 in known else " (not a %s tensor)" % gguf.MODEL_ARCH_NAMES[arch]))
    print("%d rules checked against gguf %s, %d mismatches" % (checked, version("gguf"), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
