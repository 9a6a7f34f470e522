#!/usr/bin/env python3
"""What the reference reader (PyPI `gguf`) sees in each tests/data/upstream/vocab-tests/*.gguf, for
tests/unit/test_gguf_vocab.cpp: version, keys with their types, architecture, tokenizer model, token count, a few
tokens, scores/merges counts and tensor count. Writes tests/data/gguf/vocab_tests.expected.json.

Rerun from the repository root:  python3 scripts/goldens/make_gguf_vocab_golden.py
"""
import glob
import json
import os

import gguf
from gguf import GGUFValueType as VT

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.path.join(ROOT, "tests", "data", "upstream", "vocab-tests")
OUT = os.path.join(ROOT, "tests", "data", "gguf", "vocab_tests.expected.json")


def string_of(field):
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def main():
    files = {}
    for path in sorted(glob.glob(os.path.join(DATA, "*.gguf"))):
        reader = gguf.GGUFReader(path)
        fields = reader.fields
        # "key TYPE", or "key ARRAY ELEMENT_TYPE COUNT"
        keys = [" ".join([k, f.types[0].name] + ([f.types[1].name, str(len(f.data))] if f.types[0] == VT.ARRAY else []))
                for k, f in fields.items() if not k.startswith("GGUF.")]
        tokens = fields["tokenizer.ggml.tokens"]
        token_list = [bytes(tokens.parts[i]).decode("utf-8") for i in tokens.data]
        files[os.path.basename(path)] = {
            "version": int(fields["GGUF.version"].parts[-1][0]),
            "tensor_count": len(reader.tensors),
            "keys": keys,
            "architecture": string_of(fields["general.architecture"]),
            "tokenizer_model": string_of(fields["tokenizer.ggml.model"]),
            "token_count": len(token_list),
            "tokens_sample": {str(i): token_list[i] for i in (0, 1, 2, 100, len(token_list) - 1)},
        }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(files, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {OUT} ({len(files)} files)")


if __name__ == "__main__":
    main()
