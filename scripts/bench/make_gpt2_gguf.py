#!/usr/bin/env python3
"""Writes a GPT-2-shaped GGUF with random weights for the side-by-side decoder benchmark (loom vs llama.cpp).

Shape as in the project's speed targets (TARGETS.md): 12 layers, hidden 768, 12 heads, ffn 3072, context 1024, vocab 50257,
untied output (163 M parameters). The tokenizer is the real GPT-2 one (tests/data/upstream/tokenizers/gpt2), so both
engines can tokenize. Weights ~ N(0, 0.02), seeded; norms 1, biases 0. Matrices are stored in the requested type,
1-D tensors in F32 (as llama.cpp's converter does).

    python3 scripts/bench/make_gpt2_gguf.py --type q8_0 -o /tmp/gpt2-bench-q8_0.gguf
Types: f32 f16 q8_0 q4_0 q4_1. Needs numpy and gguf (PyPI). Output files are large: never commit them.
"""
import argparse
import json
import os

import numpy as np
import gguf

HERE = os.path.dirname(os.path.abspath(__file__))
GPT2_DIR = os.path.join(HERE, "..", "..", "tests", "data", "upstream", "tokenizers", "gpt2")
TYPES = {
    "f32": gguf.GGMLQuantizationType.F32,
    "f16": gguf.GGMLQuantizationType.F16,
    "q8_0": gguf.GGMLQuantizationType.Q8_0,
    "q4_0": gguf.GGMLQuantizationType.Q4_0,
    "q4_1": gguf.GGMLQuantizationType.Q4_1,
}


def gpt2_vocab():
    with open(os.path.join(GPT2_DIR, "encoder.json"), encoding="utf-8") as f:
        encoder = json.load(f)
    tokens = [t for t, _ in sorted(encoder.items(), key=lambda kv: kv[1])]
    with open(os.path.join(GPT2_DIR, "vocab.bpe"), encoding="utf-8") as f:
        merges = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#version")]
    return tokens, merges


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--type", choices=TYPES, default="f32")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    n_embd, n_head, n_ff, n_ctx = 768, 12, 3072, 1024
    tokens, merges = gpt2_vocab()
    n_vocab = len(tokens)
    rng = np.random.default_rng(args.seed)
    qtype = TYPES[args.type]

    w = gguf.GGUFWriter(args.output, "gpt2")
    w.add_name("gpt2-bench-random")
    w.add_context_length(n_ctx)
    w.add_embedding_length(n_embd)
    w.add_feed_forward_length(n_ff)
    w.add_block_count(args.layers)
    w.add_head_count(n_head)
    w.add_layer_norm_eps(1e-5)
    w.add_file_type({"f32": 0, "f16": 1, "q4_0": 2, "q4_1": 3, "q8_0": 7}[args.type])
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types([gguf.TokenType.NORMAL] * (n_vocab - 1) + [gguf.TokenType.CONTROL])
    w.add_token_merges(merges)
    w.add_bos_token_id(n_vocab - 1)
    w.add_eos_token_id(n_vocab - 1)

    def matrix(name, rows, cols):  # PyTorch order [rows=out, cols=in]; GGUF stores it innermost-first
        data = rng.normal(0.0, 0.02, size=(rows, cols)).astype(np.float32)
        if qtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(name, data)
        else:
            q = gguf.quants.quantize(data, qtype)
            w.add_tensor(name, q, raw_shape=q.shape, raw_dtype=qtype)

    def vector(name, n, value):
        w.add_tensor(name, np.full((n,), value, dtype=np.float32))

    matrix("token_embd.weight", n_vocab, n_embd)
    w.add_tensor("position_embd.weight", rng.normal(0.0, 0.01, size=(n_ctx, n_embd)).astype(np.float32))
    for i in range(args.layers):
        p = f"blk.{i}."
        vector(p + "attn_norm.weight", n_embd, 1.0)
        vector(p + "attn_norm.bias", n_embd, 0.0)
        matrix(p + "attn_qkv.weight", 3 * n_embd, n_embd)
        vector(p + "attn_qkv.bias", 3 * n_embd, 0.0)
        matrix(p + "attn_output.weight", n_embd, n_embd)
        vector(p + "attn_output.bias", n_embd, 0.0)
        vector(p + "ffn_norm.weight", n_embd, 1.0)
        vector(p + "ffn_norm.bias", n_embd, 0.0)
        matrix(p + "ffn_up.weight", n_ff, n_embd)
        vector(p + "ffn_up.bias", n_ff, 0.0)
        matrix(p + "ffn_down.weight", n_embd, n_ff)
        vector(p + "ffn_down.bias", n_embd, 0.0)
    vector("output_norm.weight", n_embd, 1.0)
    vector("output_norm.bias", n_embd, 0.0)
    matrix("output.weight", n_vocab, n_embd)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {args.output} ({os.path.getsize(args.output) / 1e6:.1f} MB, {args.type})")


if __name__ == "__main__":
    main()
