#!/usr/bin/env python3
"""Tiny safetensors fixtures written by the reference library (PyPI `safetensors` + torch), for
tests/unit/test_safetensors*.cpp and tests/unit/test_model_source*.cpp. Writes, under tests/data/safetensors/:

  tiny.safetensors               one tensor of every dtype loom reads (F32 F16 BF16 F64 I64 I32 I16 I8), with
                                 __metadata__; a scalar and a zero-size tensor too
  unsupported_u8.safetensors     a U8 tensor, unsupported_bool.safetensors a BOOL tensor (loom must name them)
  sharded/                       model.safetensors.index.json + two shards
  hf_tiny/                       a Hugging Face style folder: config.json, model.safetensors, tokenizer.json
                                 (a 40-token BPE made by `tokenizers`), tokenizer_config.json, generation_config.json
  expected.json                  name -> {dtype, shape, hex of the bytes} for tiny.safetensors and the shards

Rerun from anywhere:  python3 scripts/goldens/make_safetensors_fixtures.py
"""
import json
import os
import shutil

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "safetensors")
DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8"}


def raw_hex(t):
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes().hex() if t.numel() else ""


def describe(tensors):
    return {name: {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "hex": raw_hex(t)}
            for name, t in tensors.items()}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "sharded"))
    os.makedirs(os.path.join(OUT, "hf_tiny"))
    g = torch.Generator().manual_seed(7)
    tiny = {
        "f32": torch.randn(3, 4, generator=g),
        "f16": torch.randn(2, 3, generator=g).half(),
        "bf16": torch.randn(5, generator=g).bfloat16(),
        "f64": torch.randn(2, 2, generator=g).double(),
        "i64": torch.randint(-2**40, 2**40, (3,), generator=g),
        "i32": torch.randint(-2**30, 2**30, (2, 1, 2), generator=g).int(),
        "i16": torch.randint(-30000, 30000, (1, 2, 1, 2), generator=g).short(),
        "i8": torch.randint(-128, 127, (7,), generator=g).to(torch.int8),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    save_file(tiny, os.path.join(OUT, "tiny.safetensors"), metadata={"format": "pt", "note": "loom fixture"})
    save_file({"u8": torch.arange(4, dtype=torch.uint8)}, os.path.join(OUT, "unsupported_u8.safetensors"))
    save_file({"mask": torch.tensor([True, False])}, os.path.join(OUT, "unsupported_bool.safetensors"))

    shard1 = {"embed.weight": torch.randn(4, 2, generator=g), "layer.0.w": torch.randn(2, 2, generator=g).half()}
    shard2 = {"layer.1.w": torch.randn(2, 2, generator=g).half(), "norm.weight": torch.ones(2)}
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    save_file(shard1, os.path.join(OUT, "sharded", names[0]), metadata={"format": "pt"})
    save_file(shard2, os.path.join(OUT, "sharded", names[1]), metadata={"format": "pt"})
    weight_map = {k: names[0] for k in shard1} | {k: names[1] for k in shard2}
    index = {"metadata": {"total_size": sum(t.numel() * t.element_size() for t in (shard1 | shard2).values())},
             "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(OUT, "sharded", "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)

    # hf_tiny: a 2-layer llama-shaped config with matching random weights (bf16), and a trained 40-token BPE.
    hf = os.path.join(OUT, "hf_tiny")
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8,
              "intermediate_size": 16, "num_attention_heads": 2, "num_key_value_heads": 1, "num_hidden_layers": 1,
              "vocab_size": 40, "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "tie_word_embeddings": True,
              "torch_dtype": "bfloat16"}
    with open(os.path.join(hf, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    weights = {"model.embed_tokens.weight": torch.randn(40, 8, generator=g).bfloat16(),
               "model.norm.weight": torch.ones(8).bfloat16(),
               "model.layers.0.self_attn.q_proj.weight": torch.randn(8, 8, generator=g).bfloat16(),
               "model.layers.0.mlp.up_proj.weight": torch.randn(16, 8, generator=g).bfloat16()}
    save_file(weights, os.path.join(hf, "model.safetensors"), metadata={"format": "pt"})
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=40, special_tokens=["<unk>", "<s>", "</s>"])
    tokenizer.train_from_iterator(["the cat sat on the mat", "a cat and a hat"] * 10, trainer)
    tokenizer.save(os.path.join(hf, "tokenizer.json"))
    with open(os.path.join(hf, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}, f, indent=2)
    with open(os.path.join(hf, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": 1, "eos_token_id": 2}, f, indent=2)

    expected = {"tiny.safetensors": describe(tiny), "sharded": describe(shard1 | shard2),
                "hf_tiny": {"vocab_size": tokenizer.get_vocab_size(with_added_tokens=False),
                            "tensors": describe(weights)}}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(OUT) for n in ns)
    print(f"wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
