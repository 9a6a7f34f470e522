#!/usr/bin/env python3
"""Writes tiny random-weight Hugging Face encoder-decoder folders (config.json + model.safetensors + tokenizer
files) for the architectures loom runs: T5 v1.0 (ReLU FFN, tied embeddings), T5 v1.1 (gated-GELU, untied,
d_kv * heads != d_model, more encoder than decoder layers), MarianMT (sinusoidal positions, scaled embeddings,
final_logits_bias, swish), BART (learned positions with offset 2, layernorm_embedding, post-LN, forced BOS) and
mBART (pre-LN with final layer norms).

Only numpy + safetensors (pip install numpy safetensors): CI regenerates the folders without torch, and the
parity test (tests/parity/test_seq2seq_tiny.cpp) calls this script. The weights are a pure function of the
seed, so the goldens recorded from them by make_seq2seq_goldens.py stay valid.

The tokenizer is the 1000-piece SentencePiece model in tests/data/upstream/sentencepiece (ids: <unk> 0, <s> 1,
</s> 2): T5 folders get it as spiece.model; the Marian folder as source.spm / target.spm plus a vocab.json
mapping its pieces to the same ids and "<pad>" to 1000.

    python3 scripts/goldens/write_tiny_seq2seq.py --out /tmp/tiny_seq2seq
"""
import argparse
import json
import os
import shutil

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SPM = os.path.join(REPO, "tests", "data", "upstream", "sentencepiece", "test_model.model")
VOCAB = 1000  # pieces of the SentencePiece model
UNK, BOS, EOS = 0, 1, 2
MAX_POS = 64  # position table rows of Marian / BART (sources and targets up to 64 tokens)


def normal(rng, shape, std):
    return (rng.standard_normal(shape) * std).astype(np.float32)


def gain(rng, n):
    return (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)


def boost_eos(table, factor):
    # Random models rarely pick EOS; a larger EOS row in the output projection makes hypotheses end at
    # different lengths, so length_penalty and early stopping matter in the beam goldens.
    table[EOS] *= factor


def t5(rng, v1_1):
    d, heads, d_kv = 64, 4, (24 if v1_1 else 16)
    inner, ff = heads * d_kv, 128
    attn_std = 0.15 if v1_1 else 0.3  # v1.1 has wider heads: smaller weights keep it well conditioned
    enc_layers, dec_layers = (3, 2) if v1_1 else (2, 2)
    config = {
        "model_type": "t5", "architectures": ["T5ForConditionalGeneration"],
        "_name_or_path": "tiny-t5-v1_1" if v1_1 else "tiny-t5-v1_0",
        "vocab_size": VOCAB, "d_model": d, "d_kv": d_kv, "d_ff": ff, "num_layers": enc_layers,
        "num_decoder_layers": dec_layers, "num_heads": heads, "relative_attention_num_buckets": 8,
        "relative_attention_max_distance": 20, "layer_norm_epsilon": 1e-6,
        "feed_forward_proj": "gated-gelu" if v1_1 else "relu", "tie_word_embeddings": not v1_1,
        "is_encoder_decoder": True, "pad_token_id": UNK, "eos_token_id": EOS, "decoder_start_token_id": UNK,
        "n_positions": 512, "dropout_rate": 0.0, "torch_dtype": "float32",
    }
    shared = normal(rng, (VOCAB, d), 0.3)
    t = {"shared.weight": shared}

    def ffn(p):
        if v1_1:
            t[p + "DenseReluDense.wi_0.weight"] = normal(rng, (ff, d), 0.15)
            t[p + "DenseReluDense.wi_1.weight"] = normal(rng, (ff, d), 0.15)
        else:
            t[p + "DenseReluDense.wi.weight"] = normal(rng, (ff, d), 0.15)
        t[p + "DenseReluDense.wo.weight"] = normal(rng, (d, ff), 0.1)
        t[p + "layer_norm.weight"] = gain(rng, d)

    def attention(p, name, bias):
        for x in "qkv":
            t[p + f"{name}.{x}.weight"] = normal(rng, (inner, d), attn_std)
        t[p + f"{name}.o.weight"] = normal(rng, (d, inner), attn_std)
        if bias:
            t[p + f"{name}.relative_attention_bias.weight"] = normal(rng, (8, heads), 0.5)
        t[p + "layer_norm.weight"] = gain(rng, d)

    for i in range(enc_layers):
        p = f"encoder.block.{i}.layer."
        attention(p + "0.", "SelfAttention", i == 0)
        ffn(p + "1.")
    t["encoder.final_layer_norm.weight"] = gain(rng, d)
    for i in range(dec_layers):
        p = f"decoder.block.{i}.layer."
        attention(p + "0.", "SelfAttention", i == 0)
        attention(p + "1.", "EncDecAttention", False)
        ffn(p + "2.")
    t["decoder.final_layer_norm.weight"] = gain(rng, d)
    if v1_1:
        t["lm_head.weight"] = normal(rng, (VOCAB, d), 0.1)
        boost_eos(t["lm_head.weight"], 3.0)
    else:
        boost_eos(shared, 3.0)
    return config, t


def bart_family(rng, model_type, d=64, heads=4, ff=128, layers=2):
    marian = model_type == "marian"
    vocab = VOCAB + 1 if marian else VOCAB  # Marian: "<pad>" appended at id 1000
    config = {
        "model_type": model_type,
        "architectures": [{"marian": "MarianMTModel", "bart": "BartForConditionalGeneration",
                           "mbart": "MBartForConditionalGeneration"}[model_type]],
        "_name_or_path": {"marian": "tiny-opus-mt-en-de", "bart": "tiny-bart", "mbart": "tiny-mbart"}[model_type],
        "vocab_size": vocab, "d_model": d, "encoder_layers": layers, "decoder_layers": layers,
        "encoder_attention_heads": heads, "decoder_attention_heads": heads, "encoder_ffn_dim": ff,
        "decoder_ffn_dim": ff, "max_position_embeddings": MAX_POS, "is_encoder_decoder": True,
        "activation_function": "swish" if marian else "gelu", "scale_embedding": model_type != "bart",
        "dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0, "init_std": 0.02,
        "bos_token_id": BOS, "eos_token_id": EOS, "torch_dtype": "float32",
        "tie_word_embeddings": True, "normalize_before": model_type == "mbart",
    }
    if marian:
        config.update(pad_token_id=VOCAB, decoder_start_token_id=VOCAB, forced_eos_token_id=EOS,
                      share_encoder_decoder_embeddings=True)
    else:
        config.update(pad_token_id=UNK, decoder_start_token_id=EOS, forced_eos_token_id=EOS)
        if model_type == "bart":
            config["forced_bos_token_id"] = BOS
    shared = normal(rng, (vocab, d), 0.15)
    boost_eos(shared, 3.0)
    t = {"model.shared.weight": shared,
         "final_logits_bias": normal(rng, (1, vocab), 0.5)}

    def ln(p):
        t[p + ".weight"] = gain(rng, d)
        t[p + ".bias"] = normal(rng, (d,), 0.1)

    def attention(p):
        for x in ("q_proj", "k_proj", "v_proj", "out_proj"):
            t[f"{p}.{x}.weight"] = normal(rng, (d, d), 0.3)
            t[f"{p}.{x}.bias"] = normal(rng, (d,), 0.05)

    for stack in ("encoder", "decoder"):
        root = f"model.{stack}."
        if not marian:
            t[root + "embed_positions.weight"] = normal(rng, (MAX_POS + 2, d), 0.3)
            ln(root + "layernorm_embedding")
        for i in range(layers):
            p = root + f"layers.{i}."
            attention(p + "self_attn")
            ln(p + "self_attn_layer_norm")
            if stack == "decoder":
                attention(p + "encoder_attn")
                ln(p + "encoder_attn_layer_norm")
            t[p + "fc1.weight"] = normal(rng, (ff, d), 0.15)
            t[p + "fc1.bias"] = normal(rng, (ff,), 0.05)
            t[p + "fc2.weight"] = normal(rng, (d, ff), 0.1)
            t[p + "fc2.bias"] = normal(rng, (d,), 0.05)
            ln(p + "final_layer_norm")
        if model_type == "mbart":
            ln(root + "layer_norm")
    return config, t


def marian_vocab(spm_path):
    # Piece strings from the .model protobuf without the sentencepiece package: field 1 (pieces) of the
    # ModelProto, each a SentencePiece message whose field 1 is the piece string.
    data = open(spm_path, "rb").read()

    def varint(buf, i):
        shift = value = 0
        while True:
            b = buf[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value, i

    pieces, i = [], 0
    while i < len(data):
        key, i = varint(data, i)
        field, wire = key >> 3, key & 7
        if wire == 2:
            n, i = varint(data, i)
            if field == 1:
                sub, j = data[i:i + n], 0
                while j < len(sub):
                    k, j = varint(sub, j)
                    if k & 7 == 2:
                        m, j = varint(sub, j)
                        if k >> 3 == 1:
                            pieces.append(sub[j:j + m].decode("utf-8"))
                        j += m
                    elif k & 7 == 5:
                        j += 4
                    elif k & 7 == 0:
                        _, j = varint(sub, j)
                    else:
                        raise ValueError("unexpected wire type in SentencePiece")
            i += n
        elif wire == 0:
            _, i = varint(data, i)
        elif wire == 5:
            i += 4
        elif wire == 1:
            i += 8
        else:
            raise ValueError("unexpected wire type in ModelProto")
    vocab = {p: idx for idx, p in enumerate(pieces)}
    vocab["<pad>"] = len(pieces)
    return vocab


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--spm", default=SPM, help="SentencePiece model for the T5 / Marian tokenizers")
    ap.add_argument("--bench-marian", action="store_true",
                    help="write only marian-bench: 6 + 6 layers, d_model 512, 8 heads, FFN 2048 (for benchmarks)")
    args = ap.parse_args()
    models = {
        "t5-v1_0": lambda rng: t5(rng, v1_1=False),
        "t5-v1_1": lambda rng: t5(rng, v1_1=True),
        "marian": lambda rng: bart_family(rng, "marian"),
        "bart": lambda rng: bart_family(rng, "bart"),
        "mbart": lambda rng: bart_family(rng, "mbart"),
    }
    if args.bench_marian:  # scripts/bench/translate_vs_ct2.py: a Marian of realistic depth and width
        models = {"marian-bench": lambda rng: bart_family(rng, "marian", d=512, heads=8, ff=2048, layers=6)}
    for seed, (name, build) in enumerate(models.items()):
        config, tensors = build(np.random.default_rng(1000 + seed))
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
        save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
        if config["model_type"] == "t5":
            shutil.copyfile(args.spm, os.path.join(folder, "spiece.model"))
        elif config["model_type"] == "marian":
            shutil.copyfile(args.spm, os.path.join(folder, "source.spm"))
            shutil.copyfile(args.spm, os.path.join(folder, "target.spm"))
            with open(os.path.join(folder, "vocab.json"), "w") as f:
                json.dump(marian_vocab(args.spm), f, ensure_ascii=False)
            with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
                json.dump({"source_lang": "en", "target_lang": "de", "model_max_length": MAX_POS}, f)


if __name__ == "__main__":
    main()
