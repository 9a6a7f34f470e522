#!/usr/bin/env python3
"""Reads a GGUF that `loom convert --type f32` wrote with gguf-py (the reference GGUF reader) and checks it
against its Hugging Face source folder: every tensor's name, shape and values (after the re-layouts llama.cpp's
converter applies: LLaMA Q/K rows permuted to RoPE pairs, GPT-2 Conv1D transposed, BLOOM QKV grouped) and the
hyperparameter keys. Exit 0 when all match, else 1 with what differs.

    python3 tests/e2e/check_converted_gguf.py HF_FOLDER model.gguf
"""
import json
import sys

import numpy as np
from gguf import GGUFReader
from safetensors.numpy import load_file


def permute_pairs(w, n_head):  # [n_head * hd, ...] halves -> adjacent pairs
    shape = w.shape
    return w.reshape(n_head, 2, shape[0] // n_head // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)


def group_qkv(w, n_head):  # rows [n_head, 3, hd] -> [3, n_head, hd]
    shape = w.shape
    return w.reshape(n_head, 3, shape[0] // n_head // 3, *shape[1:]).swapaxes(0, 1).reshape(shape)


def expected_tensors(config, weights):
    arch = config["model_type"]
    out = {}
    if arch in ("llama", "mistral", "qwen2"):
        n_head, n_kv = config["num_attention_heads"], config.get("num_key_value_heads", config["num_attention_heads"])
        names = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm", "self_attn.q_proj": "attn_q",
                 "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
                 "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
        for name, w in weights.items():
            if name == "model.embed_tokens.weight":
                out["token_embd.weight"] = w
            elif name == "model.norm.weight":
                out["output_norm.weight"] = w
            elif name == "lm_head.weight":
                if not config.get("tie_word_embeddings", True):
                    out["output.weight"] = w
            else:
                parts = name.split(".")  # model.layers.N.<module...>.weight
                module, kind = ".".join(parts[3:-1]), parts[-1]
                if arch != "qwen2" and module in ("self_attn.q_proj", "self_attn.k_proj"):
                    w = permute_pairs(w, n_head if module.endswith("q_proj") else n_kv)
                out[f"blk.{parts[2]}.{names[module]}.{kind}"] = w
    elif arch == "gpt2":
        names = {"ln_1": "attn_norm", "ln_2": "ffn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
                 "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
        for name, w in weights.items():
            bare = name[len("transformer."):] if name.startswith("transformer.") else name
            top = {"wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight",
                   "ln_f.weight": "output_norm.weight", "ln_f.bias": "output_norm.bias"}
            if bare in top:
                out[top[bare]] = w
            elif bare.endswith((".attn.bias", ".attn.masked_bias")) or bare == "lm_head.weight":
                continue
            else:
                parts = bare.split(".")
                module, kind = ".".join(parts[2:-1]), parts[-1]
                out[f"blk.{parts[1]}.{names[module]}.{kind}"] = w.T if (kind == "weight" and w.ndim == 2) else w
    elif arch == "bloom":
        n_head = config["n_head"]
        names = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
                 "self_attention.query_key_value": "attn_qkv", "self_attention.dense": "attn_output",
                 "mlp.dense_h_to_4h": "ffn_up", "mlp.dense_4h_to_h": "ffn_down"}
        top = {"word_embeddings.weight": "token_embd.weight", "word_embeddings_layernorm.weight": "token_embd_norm.weight",
               "word_embeddings_layernorm.bias": "token_embd_norm.bias", "ln_f.weight": "output_norm.weight",
               "ln_f.bias": "output_norm.bias"}
        for name, w in weights.items():
            bare = name[len("transformer."):] if name.startswith("transformer.") else name
            if bare in top:
                out[top[bare]] = w
            elif bare == "lm_head.weight":
                continue
            else:
                parts = bare.split(".")
                module, kind = ".".join(parts[2:-1]), parts[-1]
                if module == "self_attention.query_key_value":
                    w = group_qkv(w, n_head)
                out[f"blk.{parts[1]}.{names[module]}.{kind}"] = w
    return out


def main():
    folder, path = sys.argv[1], sys.argv[2]
    config = json.load(open(f"{folder}/config.json"))
    expected = expected_tensors(config, load_file(f"{folder}/model.safetensors"))
    reader = GGUFReader(path)
    errors = []
    got = {t.name: t for t in reader.tensors}
    extra = set(got) - set(expected) - {"rope_freqs.weight"}
    if extra:
        errors.append(f"unexpected tensors {sorted(extra)}")
    for name, want in expected.items():
        if name not in got:
            errors.append(f"missing {name}")
            continue
        t = got[name]
        if list(reversed([int(d) for d in t.shape])) != list(want.shape):  # gguf-py lists innermost first
            errors.append(f"{name}: shape {list(t.shape)} vs {list(want.shape)}")
            continue
        data = np.asarray(t.data, dtype=np.float32).reshape(want.shape)
        if not np.array_equal(data, want.astype(np.float32)):
            errors.append(f"{name}: values differ (max {np.abs(data - want).max()})")
    fields = reader.fields
    arch = bytes(fields["general.architecture"].parts[-1]).decode()
    want_arch = "llama" if config["model_type"] == "mistral" else config["model_type"]
    if arch != want_arch:
        errors.append(f"general.architecture {arch}, expected {want_arch}")
    n_layer = config.get("num_hidden_layers", config.get("n_layer"))
    if int(fields[f"{arch}.block_count"].parts[-1][0]) != n_layer:
        errors.append("block_count differs")
    for e in errors:
        print("check_converted_gguf:", e)
    print(f"check_converted_gguf: {path}: {len(expected)} tensors, {len(errors)} problem(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
