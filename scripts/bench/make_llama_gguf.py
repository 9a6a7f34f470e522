#!/usr/bin/env python3
"""Writes a LLaMA-shaped GGUF with random quantized weights, for the decoder benchmark's scale row (a 7B model
is the size people run; its weights do not fit in any cache, so decode speed is the memory read path and
prefill is the GEMM at full size).

Default shape: LLaMA-7B (32 layers, hidden 4096, 32 heads, ffn 11008, context 4096) with the GPT-2 byte-level
vocabulary (50257 tokens, tests/data/upstream/tokenizers/gpt2) so both engines can tokenize: 6.9 B parameters.
Types follow llama.cpp's Q4_K_M mix: Q4_K everywhere, Q6_K for the output matrix and for attn_v / ffn_down in
every other layer. Block bytes are random with every block's fp16 scales set to small values (the numbers are
meaningless; the speed is what is measured). Norms are 1.

    python3 scripts/bench/make_llama_gguf.py -o /tmp/llama7b-q4_k_m.gguf      # ~3.9 GB: never commit it
    python3 scripts/bench/make_llama_gguf.py --layers 2 --hidden 256 --ffn 688 --heads 4 -o /tmp/small.gguf
"""
import argparse
import os

import sys

import numpy as np
import gguf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_gpt2_gguf import gpt2_vocab  # noqa: E402  (the same GPT-2 vocabulary and merges)

Q = gguf.GGMLQuantizationType
# Offsets of the fp16 scale fields in each 256-element super-block (tensor/quant_blocks.h).
SCALES = {Q.Q4_K: (144, [0, 2]), Q.Q6_K: (210, [208])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=4096)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--ffn", type=int, default=11008)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    n_embd, n_ff = args.hidden, args.ffn
    tokens, merges = gpt2_vocab()
    n_vocab = len(tokens)
    rng = np.random.default_rng(args.seed)
    small = np.array([0.002], dtype=np.float16).view(np.uint8)

    w = gguf.GGUFWriter(args.output, "llama")
    w.add_name("llama-bench-random")
    w.add_context_length(4096)
    w.add_embedding_length(n_embd)
    w.add_feed_forward_length(n_ff)
    w.add_block_count(args.layers)
    w.add_head_count(args.heads)
    w.add_head_count_kv(args.heads)
    w.add_rope_dimension_count(n_embd // args.heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(15)  # MOSTLY_Q4_K_M
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types([gguf.TokenType.NORMAL] * (n_vocab - 1) + [gguf.TokenType.CONTROL])
    w.add_token_merges(merges)
    w.add_bos_token_id(n_vocab - 1)
    w.add_eos_token_id(n_vocab - 1)

    def matrix(name, rows, cols, qtype):  # [rows = out, cols = in], K super-blocks along cols
        block_bytes, fields = SCALES[qtype]
        blocks = rows * cols // 256
        data = rng.integers(0, 256, size=(blocks, block_bytes), dtype=np.uint8)
        for off in fields:
            data[:, off:off + 2] = small
        data = data.reshape(rows, cols // 256 * block_bytes)
        w.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)

    def vector(name, n):
        w.add_tensor(name, np.ones((n,), dtype=np.float32))

    matrix("token_embd.weight", n_vocab, n_embd, Q.Q4_K)
    for i in range(args.layers):
        p = f"blk.{i}."
        mixed = Q.Q6_K if i % 2 == 0 else Q.Q4_K
        vector(p + "attn_norm.weight", n_embd)
        matrix(p + "attn_q.weight", n_embd, n_embd, Q.Q4_K)
        matrix(p + "attn_k.weight", n_embd, n_embd, Q.Q4_K)
        matrix(p + "attn_v.weight", n_embd, n_embd, mixed)
        matrix(p + "attn_output.weight", n_embd, n_embd, Q.Q4_K)
        vector(p + "ffn_norm.weight", n_embd)
        matrix(p + "ffn_gate.weight", n_ff, n_embd, Q.Q4_K)
        matrix(p + "ffn_up.weight", n_ff, n_embd, Q.Q4_K)
        matrix(p + "ffn_down.weight", n_embd, n_ff, mixed)
    vector("output_norm.weight", n_embd)
    matrix("output.weight", n_vocab, n_embd, Q.Q6_K)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {args.output} ({os.path.getsize(args.output) / 1e9:.2f} GB)")


if __name__ == "__main__":
    main()
