#!/usr/bin/env python3
"""Records Hugging Face transformers' attention weights (output_attentions=True, attn_implementation="eager",
float32) of the tiny random models into tests/data/attention/<name>.json, for tests/parity/test_attention_tiny.cpp:
  - "tokens": the input ids (a few tokens, to keep the goldens small),
  - "attentions": [layers][heads][query][key], rounded to 8 decimals.
Decoders come from write_tiny_weights.py (gpt2, llama with GQA, mistral, qwen2, bloom with ALiBi), encoders from
write_tiny_encoders.py (bert, roberta, distilbert), encoder-decoders from write_tiny_seq2seq.py (t5-v1_1, bart,
marian: "source", "target" (decoder input, start token first), "encoder_attentions", "decoder_attentions",
"cross_attentions"); the writers are numpy-only and seeded, so the models the test regenerates are the ones
recorded here.

    python3 scripts/goldens/make_attention_goldens.py     # rewrites tests/data/attention/*.json
Needs: numpy, safetensors, torch, transformers (the test itself needs only numpy + safetensors).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import transformers
from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSeq2SeqLM

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "data", "attention")
DECODERS = ["gpt2", "llama", "mistral", "qwen2", "bloom"]
DECODER_PROMPT = [3, 17, 200, 45, 99, 128, 7]
ENCODERS = ["bert", "roberta", "distilbert"]
ENCODER_IDS = [2, 9, 30, 57, 12, 80, 3]  # [CLS] ... [SEP] in the tiny WordPiece vocabulary
SEQ2SEQ = ["t5-v1_1", "bart", "marian"]
SOURCE_IDS = [37, 412, 90, 15, 260, 2]  # ends with </s> (id 2 in the tiny SentencePiece vocabulary)
TARGET_IDS = [55, 300, 8]               # after the decoder start token


def rounded(attentions):
    stacked = np.stack([a[0].numpy() for a in attentions])  # [layers, heads, query, key]
    return np.round(stacked.astype(np.float64), 8).tolist(), list(stacked.shape)


def record_seq2seq(model, name):
    target = [model.config.decoder_start_token_id] + TARGET_IDS
    with torch.no_grad():
        out = model(input_ids=torch.tensor([SOURCE_IDS]), decoder_input_ids=torch.tensor([target]),
                    output_attentions=True)
    golden = {"model": name, "kind": "seq2seq",
              "generator": "scripts/goldens/make_attention_goldens.py (transformers %s, torch %s, eager, float32)" % (
                  transformers.__version__, torch.__version__),
              "source": SOURCE_IDS, "target": target}
    for key in ["encoder_attentions", "decoder_attentions", "cross_attentions"]:
        golden[key], shape = rounded(getattr(out, key))
        print(name, key, shape)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))


def record(model, ids, name, kind):
    with torch.no_grad():
        out = model(torch.tensor([ids]), output_attentions=True)
    attentions = np.stack([a[0].numpy() for a in out.attentions])  # [layers, heads, query, key]
    golden = {
        "model": name,
        "kind": kind,
        "generator": "scripts/goldens/make_attention_goldens.py (transformers %s, torch %s, eager, float32)" % (
            transformers.__version__, torch.__version__),
        "tokens": ids,
        "attentions": np.round(attentions.astype(np.float64), 8).tolist(),
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    print(name, kind, "attentions", list(attentions.shape))


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        dec, enc = os.path.join(tmp, "dec"), os.path.join(tmp, "enc")
        subprocess.run([sys.executable, os.path.join(HERE, "write_tiny_weights.py"), "--out", dec, "--only"] + DECODERS,
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, os.path.join(HERE, "write_tiny_encoders.py"), enc], check=True,
                       stdout=subprocess.DEVNULL)
        for name in DECODERS:
            model = AutoModelForCausalLM.from_pretrained(os.path.join(dec, name), dtype=torch.float32,
                                                         attn_implementation="eager").eval()
            record(model, DECODER_PROMPT, name, "decoder")
        s2s = os.path.join(tmp, "s2s")
        subprocess.run([sys.executable, os.path.join(HERE, "write_tiny_seq2seq.py"), "--out", s2s], check=True,
                       stdout=subprocess.DEVNULL)
        for name in SEQ2SEQ:
            model = AutoModelForSeq2SeqLM.from_pretrained(os.path.join(s2s, name), dtype=torch.float32,
                                                          attn_implementation="eager").eval()
            record_seq2seq(model, name)
        for name in ENCODERS:
            model = AutoModel.from_pretrained(os.path.join(enc, name), dtype=torch.float32,
                                              attn_implementation="eager").eval()
            record(model, ENCODER_IDS, name, "encoder")


if __name__ == "__main__":
    main()
