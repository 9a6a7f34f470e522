#!/usr/bin/env python3
"""Writes a tiny random-weight LLaMA folder WITH a tokenizer, for `loom convert` end-to-end tests.

The tokenizer is tests/data/tokenizer/tiny/bytelevel_trim.json (an 800-token byte-level BPE) with
add_prefix_space turned off (GGUF byte-level vocabularies cannot express it), plus a tokenizer_config.json with
BOS/EOS and a chat template. The weights are random (numpy, seeded): the model babbles, but deterministically,
so the folder and its conversion must produce the same greedy text. Needs numpy + safetensors only.

    python3 tests/e2e/make_tiny_tokenized_model.py --out /tmp/tiny_tok
"""
import argparse
import json
import os

import numpy as np
from safetensors.numpy import save_file


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "data", "tokenizer", "tiny", "bytelevel_trim.json")) as f:
        tokenizer = json.load(f)
    for stage in ("pre_tokenizer", "post_processor", "decoder"):
        if tokenizer.get(stage) and tokenizer[stage].get("type") == "ByteLevel":
            tokenizer[stage]["add_prefix_space"] = False
    vocab = max(max(tokenizer["model"]["vocab"].values()), max(t["id"] for t in tokenizer["added_tokens"])) + 1

    hidden, inter, layers, heads, kv_heads = 64, 128, 2, 4, 2
    head_dim = hidden // heads
    rng = np.random.default_rng(1234)
    normal = lambda shape, std: (rng.standard_normal(shape) * std).astype(np.float32)
    t = {"model.embed_tokens.weight": normal((vocab, hidden), 0.5), "model.norm.weight": np.ones(hidden, np.float32)}
    for i in range(layers):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = (1 + normal(hidden, 0.1)).astype(np.float32)
        t[p + "post_attention_layernorm.weight"] = (1 + normal(hidden, 0.1)).astype(np.float32)
        t[p + "self_attn.q_proj.weight"] = normal((heads * head_dim, hidden), 0.2)
        t[p + "self_attn.k_proj.weight"] = normal((kv_heads * head_dim, hidden), 0.2)
        t[p + "self_attn.v_proj.weight"] = normal((kv_heads * head_dim, hidden), 0.2)
        t[p + "self_attn.o_proj.weight"] = normal((hidden, heads * head_dim), 0.2)
        t[p + "mlp.gate_proj.weight"] = normal((inter, hidden), 0.2)
        t[p + "mlp.up_proj.weight"] = normal((inter, hidden), 0.2)
        t[p + "mlp.down_proj.weight"] = normal((hidden, inter), 0.2)
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": vocab,
              "hidden_size": hidden, "intermediate_size": inter, "num_hidden_layers": layers,
              "num_attention_heads": heads, "num_key_value_heads": kv_heads, "max_position_embeddings": 256,
              "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": True,
              "bos_token_id": 0, "eos_token_id": 0, "torch_dtype": "float32"}
    tokenizer_config = {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "add_bos_token": False,
                        "chat_template": "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"}
    os.makedirs(args.out, exist_ok=True)
    save_file(t, os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    for name, obj in (("config.json", config), ("tokenizer.json", tokenizer),
                      ("tokenizer_config.json", tokenizer_config)):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(obj, f, ensure_ascii=False)
    print(f"wrote {args.out} (vocab {vocab})")


if __name__ == "__main__":
    main()
