#!/usr/bin/env python3
"""Writes tiny random-weight Hugging Face model folders (config.json + model.safetensors) for the decoder
architectures loom runs: GPT-2, LLaMA (GQA), LLaMA with llama3 RoPE scaling, Mistral (linear RoPE scaling),
Qwen2 (QKV biases, tied output), BLOOM (ALiBi with a non-power-of-two head count), Gemma 3 (local/global
layers with a sliding window of 5 < the 12-token test prompt; once with final-logit soft-capping), Qwen3
(QK-norm, head_dim != hidden / heads) and Mistral with a sliding window of 5 applied.

Only numpy + safetensors (pip install numpy safetensors): CI regenerates the folders without torch, and the
parity tests (tests/parity/test_decoder_tiny.cpp) call this script. The weights are a pure function of the
seed, so the goldens recorded from them by make_tiny_decoders.py stay valid.

    python3 scripts/goldens/write_tiny_weights.py --out /tmp/tiny_decoders
"""
import argparse
import json
import os

import numpy as np
from safetensors.numpy import save_file

VOCAB = 256
CONTEXT = 128


def normal(rng, shape, std):
    return (rng.standard_normal(shape) * std).astype(np.float32)


def gain(rng, n):
    return (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)


def llama_like(rng, model_type, hidden=64, inter=128, layers=2, heads=4, kv_heads=2, bias=False, tie=False,
               rope_scaling=None, head_dim=None, sliding_window=None, qk_norm=False):
    head_dim = head_dim or hidden // heads
    config = {
        "model_type": model_type,
        "architectures": [{"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM",
                           "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}[model_type]],
        "vocab_size": VOCAB, "hidden_size": hidden, "intermediate_size": inter, "num_hidden_layers": layers,
        "num_attention_heads": heads, "num_key_value_heads": kv_heads, "max_position_embeddings": CONTEXT,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": tie,
        "torch_dtype": "float32",
    }
    if model_type == "mistral":
        config["sliding_window"] = sliding_window
    if head_dim != hidden // heads:
        config["head_dim"] = head_dim
    if model_type == "qwen3":
        config["attention_bias"] = bias
    if rope_scaling:
        config["rope_scaling"] = rope_scaling
    t = {"model.embed_tokens.weight": normal(rng, (VOCAB, hidden), 0.5)}
    for i in range(layers):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = gain(rng, hidden)
        t[p + "post_attention_layernorm.weight"] = gain(rng, hidden)
        t[p + "self_attn.q_proj.weight"] = normal(rng, (heads * head_dim, hidden), 0.2)
        t[p + "self_attn.k_proj.weight"] = normal(rng, (kv_heads * head_dim, hidden), 0.2)
        t[p + "self_attn.v_proj.weight"] = normal(rng, (kv_heads * head_dim, hidden), 0.2)
        t[p + "self_attn.o_proj.weight"] = normal(rng, (hidden, heads * head_dim), 0.2)
        if qk_norm:
            t[p + "self_attn.q_norm.weight"] = gain(rng, head_dim)
            t[p + "self_attn.k_norm.weight"] = gain(rng, head_dim)
        if bias:
            t[p + "self_attn.q_proj.bias"] = normal(rng, (heads * head_dim,), 0.1)
            t[p + "self_attn.k_proj.bias"] = normal(rng, (kv_heads * head_dim,), 0.1)
            t[p + "self_attn.v_proj.bias"] = normal(rng, (kv_heads * head_dim,), 0.1)
        t[p + "mlp.gate_proj.weight"] = normal(rng, (inter, hidden), 0.2)
        t[p + "mlp.up_proj.weight"] = normal(rng, (inter, hidden), 0.2)
        t[p + "mlp.down_proj.weight"] = normal(rng, (hidden, inter), 0.2)
    t["model.norm.weight"] = gain(rng, hidden)
    if not tie:
        t["lm_head.weight"] = normal(rng, (VOCAB, hidden), 0.2)
    return config, t


def gpt2(rng, hidden=64, layers=2, heads=4):
    inner = 4 * hidden
    config = {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": VOCAB, "n_positions": CONTEXT,
        "n_embd": hidden, "n_layer": layers, "n_head": heads, "n_inner": None, "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True, "torch_dtype": "float32",
    }
    t = {"transformer.wte.weight": normal(rng, (VOCAB, hidden), 0.5),
         "transformer.wpe.weight": normal(rng, (CONTEXT, hidden), 0.1)}
    for i in range(layers):
        p = f"transformer.h.{i}."
        for ln in ("ln_1", "ln_2"):
            t[p + ln + ".weight"] = gain(rng, hidden)
            t[p + ln + ".bias"] = normal(rng, (hidden,), 0.1)
        # Conv1D: weight [in, out]
        for name, n_in, n_out in (("attn.c_attn", hidden, 3 * hidden), ("attn.c_proj", hidden, hidden),
                                  ("mlp.c_fc", hidden, inner), ("mlp.c_proj", inner, hidden)):
            t[p + name + ".weight"] = normal(rng, (n_in, n_out), 0.2)
            t[p + name + ".bias"] = normal(rng, (n_out,), 0.1)
    t["transformer.ln_f.weight"] = gain(rng, hidden)
    t["transformer.ln_f.bias"] = normal(rng, (hidden,), 0.1)
    return config, t


def bloom(rng, hidden=48, layers=2, heads=6):
    config = {
        "model_type": "bloom", "architectures": ["BloomForCausalLM"], "vocab_size": VOCAB, "hidden_size": hidden,
        "n_layer": layers, "n_head": heads, "layer_norm_epsilon": 1e-5,
        "apply_residual_connection_post_layernorm": False, "tie_word_embeddings": True, "torch_dtype": "float32",
    }
    t = {"transformer.word_embeddings.weight": normal(rng, (VOCAB, hidden), 0.5),
         "transformer.word_embeddings_layernorm.weight": gain(rng, hidden),
         "transformer.word_embeddings_layernorm.bias": normal(rng, (hidden,), 0.1)}
    for i in range(layers):
        p = f"transformer.h.{i}."
        for ln in ("input_layernorm", "post_attention_layernorm"):
            t[p + ln + ".weight"] = gain(rng, hidden)
            t[p + ln + ".bias"] = normal(rng, (hidden,), 0.1)
        for name, n_out, n_in in (("self_attention.query_key_value", 3 * hidden, hidden),
                                  ("self_attention.dense", hidden, hidden),
                                  ("mlp.dense_h_to_4h", 4 * hidden, hidden), ("mlp.dense_4h_to_h", hidden, 4 * hidden)):
            t[p + name + ".weight"] = normal(rng, (n_out, n_in), 0.2)
            t[p + name + ".bias"] = normal(rng, (n_out,), 0.1)
    t["transformer.ln_f.weight"] = gain(rng, hidden)
    t["transformer.ln_f.bias"] = normal(rng, (hidden,), 0.1)
    return config, t


def gemma3(rng, hidden=64, inter=128, heads=4, kv_heads=2, head_dim=32, final_softcap=None):
    # 4 layers: local, local, global, local (layer_types); local layers see the last 5 positions.
    layer_types = ["sliding_attention", "sliding_attention", "full_attention", "sliding_attention"]
    config = {
        "model_type": "gemma3_text", "architectures": ["Gemma3ForCausalLM"], "vocab_size": VOCAB,
        "hidden_size": hidden, "intermediate_size": inter, "num_hidden_layers": len(layer_types),
        "num_attention_heads": heads, "num_key_value_heads": kv_heads, "head_dim": head_dim,
        "max_position_embeddings": CONTEXT, "rms_norm_eps": 1e-6, "hidden_activation": "gelu_pytorch_tanh",
        "query_pre_attn_scalar": 24, "sliding_window": 5, "layer_types": layer_types,
        "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
        "rope_scaling": {"rope_type": "linear", "factor": 2.0},
        "final_logit_softcapping": final_softcap, "attn_logit_softcapping": None,
        "tie_word_embeddings": True, "torch_dtype": "float32", "pad_token_id": 0, "bos_token_id": 2,
        "eos_token_id": 1,
    }

    def gemma_gain(n):  # Gemma's RMSNorm multiplies by (1 + w)
        return (0.1 * rng.standard_normal(n)).astype(np.float32)

    t = {"model.embed_tokens.weight": normal(rng, (VOCAB, hidden), 0.03)}
    for i in range(len(layer_types)):
        p = f"model.layers.{i}."
        for norm in ("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                     "post_feedforward_layernorm"):
            t[p + norm + ".weight"] = gemma_gain(hidden)
        t[p + "self_attn.q_norm.weight"] = gemma_gain(head_dim)
        t[p + "self_attn.k_norm.weight"] = gemma_gain(head_dim)
        t[p + "self_attn.q_proj.weight"] = normal(rng, (heads * head_dim, hidden), 0.2)
        t[p + "self_attn.k_proj.weight"] = normal(rng, (kv_heads * head_dim, hidden), 0.2)
        t[p + "self_attn.v_proj.weight"] = normal(rng, (kv_heads * head_dim, hidden), 0.2)
        t[p + "self_attn.o_proj.weight"] = normal(rng, (hidden, heads * head_dim), 0.2)
        t[p + "mlp.gate_proj.weight"] = normal(rng, (inter, hidden), 0.2)
        t[p + "mlp.up_proj.weight"] = normal(rng, (inter, hidden), 0.2)
        t[p + "mlp.down_proj.weight"] = normal(rng, (hidden, inter), 0.2)
    t["model.norm.weight"] = gemma_gain(hidden)
    return config, t


# New models go at the end: each model's seed is its index here, so the others' weights (and goldens) stay.
MODELS = {
    "gpt2": lambda rng: gpt2(rng),
    "llama": lambda rng: llama_like(rng, "llama"),
    "llama_rope_llama3": lambda rng: llama_like(
        rng, "llama", rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                    "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
    "mistral": lambda rng: llama_like(rng, "mistral", heads=8, kv_heads=2,
                                      rope_scaling={"rope_type": "linear", "factor": 2.0}),
    "qwen2": lambda rng: llama_like(rng, "qwen2", bias=True, tie=True),
    "bloom": lambda rng: bloom(rng),
    "gemma3": lambda rng: gemma3(rng),
    "gemma3_softcap": lambda rng: gemma3(rng, final_softcap=0.5),
    "qwen3": lambda rng: llama_like(rng, "qwen3", head_dim=32, qk_norm=True, tie=True),
    "mistral_swa": lambda rng: llama_like(rng, "mistral", heads=8, kv_heads=2, sliding_window=5),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="folder to write <name>/ model folders into")
    parser.add_argument("--only", nargs="*", help="model names (default: all)")
    args = parser.parse_args()
    for index, (name, build) in enumerate(MODELS.items()):
        if args.only and name not in args.only:
            continue
        rng = np.random.default_rng(1234 + index)
        config, tensors = build(rng)
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
        save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    print(f"wrote tiny decoders to {args.out}")


if __name__ == "__main__":
    main()
