#!/usr/bin/env python3
"""Records reference outputs of the tiny encoder-decoder models written by write_tiny_seq2seq.py, with Hugging
Face transformers (torch CPU, float32, eager attention), into tests/data/seq2seq/<name>.json. Layout (see
tests/data/seq2seq/README.md):
  "source"   source ids (EOS last) for the teacher-forced pass,
  "target"   decoder input ids (decoder_start_token_id first),
  "logits"   [len(target), vocab] logits of the teacher-forced pass, rounded to 6 decimals,
  "encoder"  [len(source), d_model] last encoder hidden state,
  "text"     (T5 v1.0, Marian) a sentence through the SentencePiece tokenizer (sentencepiece package: pieces,
             EOS appended, T5 task prefix first), its greedy output ids and their text,
  "generate" a list over sources of {"source", "greedy": ids, "beams": [{"options", "sequences", "scores"}]};
             every output starts with decoder_start_token_id, as generate() returns it.

    python3 scripts/goldens/make_seq2seq_goldens.py        # rewrites tests/data/seq2seq/*.json
Needs: numpy, safetensors, torch, transformers (the tests themselves only need numpy + safetensors).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import transformers
from transformers import AutoModelForSeq2SeqLM

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "data", "seq2seq")
EOS = 2
SOURCE = [37, 512, 9, 100, 250, 6, 731, 14, 88, EOS]
TARGET_BODY = [5, 300, 42, 999, 17, 64, 8]
GEN_SOURCES = [[37, 512, 9, 100, 250, 6, 731, 14, 88, EOS], [400, 21, 7, 900, 3, 55, EOS],
               [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, EOS]]
MAX_NEW = 16
BEAM_OPTIONS = [
    {"num_beams": 4, "length_penalty": 1.0, "no_repeat_ngram_size": 0, "num_return_sequences": 2,
     "early_stopping": False},
    {"num_beams": 4, "length_penalty": 0.6, "no_repeat_ngram_size": 0, "num_return_sequences": 2,
     "early_stopping": False},
    {"num_beams": 4, "length_penalty": 1.0, "no_repeat_ngram_size": 3, "num_return_sequences": 2,
     "early_stopping": False},
    {"num_beams": 4, "length_penalty": 1.0, "no_repeat_ngram_size": 0, "num_return_sequences": 1,
     "early_stopping": True},
]


def generate(model, source, **kwargs):
    ids = torch.tensor([source])
    out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=MAX_NEW, do_sample=False,
                         return_dict_in_generate=True, output_scores=True, **kwargs)
    return out


TEXT = "The cat sat on the mat."
T5_PREFIX = "translate English to German: "


def text_golden(model, folder, model_type):
    # What `loom translate` must print for TEXT (greedy): ids from sentencepiece (+ EOS), output text from
    # sentencepiece's decode of the generated ids without EOS / pad (Marian's vocab.json maps pieces to the same
    # ids in these tiny folders).
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(
        folder, "spiece.model" if model_type == "t5" else "source.spm"))
    source_text = (T5_PREFIX if model_type == "t5" else "") + TEXT
    ids = sp.encode(source_text) + [EOS]
    out = generate(model, ids, num_beams=1).sequences[0].tolist()[1:]
    body = [i for i in out if i not in (EOS, model.config.pad_token_id) and i < sp.get_piece_size()]
    return {"input": TEXT, "source_text": source_text, "source_ids": ids, "output_ids": out,
            "output_text": sp.decode(body)}


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(HERE, "write_tiny_seq2seq.py"), "--out", tmp], check=True)
        for name in sorted(os.listdir(tmp)):
            model = AutoModelForSeq2SeqLM.from_pretrained(os.path.join(tmp, name), dtype=torch.float32,
                                                          attn_implementation="eager")
            model.eval()
            cfg = model.config
            target = [cfg.decoder_start_token_id] + TARGET_BODY
            with torch.no_grad():
                out = model(input_ids=torch.tensor([SOURCE]), decoder_input_ids=torch.tensor([target]))
                logits = out.logits[0].numpy()
                encoder = out.encoder_last_hidden_state[0].numpy()
                runs = []
                for source in GEN_SOURCES:
                    greedy = generate(model, source, num_beams=1).sequences[0].tolist()
                    beams = []
                    for opts in BEAM_OPTIONS:
                        o = generate(model, source, **opts)
                        beams.append({"options": opts, "sequences": o.sequences.tolist(),
                                      "scores": [round(float(s), 6) for s in o.sequences_scores]})
                    runs.append({"source": source, "greedy": greedy, "beams": beams})
            text = text_golden(model, os.path.join(tmp, name), cfg.model_type) if name in ("t5-v1_0", "marian") \
                else None
            golden = {
                "model": name,
                "generator": "scripts/goldens/make_seq2seq_goldens.py (transformers %s, torch %s)" % (
                    transformers.__version__, torch.__version__),
                "vocab": int(logits.shape[1]),
                "decoder_start_token_id": cfg.decoder_start_token_id,
                "eos_token_id": cfg.eos_token_id,
                "pad_token_id": cfg.pad_token_id,
                "forced_bos_token_id": getattr(cfg, "forced_bos_token_id", None),
                "forced_eos_token_id": getattr(cfg, "forced_eos_token_id", None),
                "max_new_tokens": MAX_NEW,
                "source": SOURCE,
                "target": target,
                "logits": np.round(logits.astype(np.float64), 6).tolist(),
                "encoder": np.round(encoder.astype(np.float64), 6).tolist(),
                "generate": runs,
            }
            if text:
                golden["text"] = text
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                json.dump(golden, f, separators=(",", ":"))
            print(name, "greedy", [r["greedy"] for r in runs])
            for r in runs:
                print("  beams", [[len(s) for s in b["sequences"]] for b in r["beams"]])


if __name__ == "__main__":
    main()
