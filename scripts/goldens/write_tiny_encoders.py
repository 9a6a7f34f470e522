#!/usr/bin/env python3
"""Writes tiny random-weight encoder models as Hugging Face folders, with ONLY numpy + safetensors.

    python3 scripts/goldens/write_tiny_encoders.py OUTDIR

Creates OUTDIR/{bert,bert-ner,bert-mlm,bert-cls,roberta,distilbert}/ each with config.json, model.safetensors,
tokenizer.json (a small WordPiece vocabulary built here) and tokenizer_config.json; bert/ also gets the
sentence-transformers files (modules.json, 1_Pooling/config.json, 2_Normalize/) for mean pooling + normalize.
The numpy RNG is seeded, so every run writes the same bytes: CI regenerates these without torch, and the goldens
in tests/data/encoders/ (scripts/goldens/make_encoder_goldens.py, which needs transformers) stay valid.
Tensor names and layouts are those of transformers' save_pretrained for each class (tied MLM decoder omitted).
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import save_file

HIDDEN, LAYERS, HEADS, FFN, MAX_POS = 32, 2, 4, 64, 64
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "MISC"]

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = """the of and to in a is was for on that with as by at from his her he she it they we you i
paris france berlin germany london city capital country river john mary smith jose garcia zurich new york
visited lives works company bank google apple microsoft university museum cafe street station old big small
good bad very not do does did have has had be been are were will would can could this these those there here
what who where when why how one two three first last year day time people world man woman child house car
book music film game play run walk talk say said go went come came see saw make made know think like love
red blue green black white north south east west river lake mountain sea island bridge road park school""".split()
PIECES = """##s ##es ##ed ##ing ##er ##est ##ly ##tion ##ment ##ness ##ful ##able ##ity ##ism ##ist ##ian ##ese
##ish ##land ##burg ##ton ##ville ##son ##ez ##ia ##ic ##al ##ous ##ive ##ize un re pre dis over under inter
trans micro soft ware tech corp inc ltd co ##corp ##soft ##tech ##ware ##rich ##is ##in ##on ##an ##en""".split()
PUNCT = list(".,!?'\"-:;()$%&/")


def vocabulary():
    tokens = list(SPECIALS)
    tokens += [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)] + PUNCT
    tokens += ["##" + chr(c) for c in range(ord("a"), ord("z") + 1)] + ["##" + str(d) for d in range(10)]
    for t in WORDS + PIECES:
        if t not in tokens:
            tokens.append(t)
    return tokens


def tokenizer_json(tokens):
    ids = {t: i for i, t in enumerate(tokens)}
    added = [{"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in SPECIALS]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]}
                                              for t in ("[CLS]", "[SEP]")}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


TOKENIZER_CONFIG = {"tokenizer_class": "PreTrainedTokenizerFast", "do_lower_case": True,
                    "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                    "mask_token": "[MASK]", "model_max_length": MAX_POS}


class Init:
    """Seeded random tensors, large enough that attention and classifier outputs are far from uniform."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def matrix(self, rows, cols, std=0.2):
        return (self.rng.standard_normal((rows, cols)) * std).astype(np.float32)

    def vector(self, n, mean=0.0, std=0.1):
        return (mean + self.rng.standard_normal(n) * std).astype(np.float32)


def linear(t, init, name, out, inp, std=0.2):
    t[name + ".weight"] = init.matrix(out, inp, std)
    t[name + ".bias"] = init.vector(out)


def layernorm(t, init, name, n):
    t[name + ".weight"] = init.vector(n, 1.0, 0.1)
    t[name + ".bias"] = init.vector(n)


def bert_body(t, init, prefix, vocab, type_vocab=2, max_pos=MAX_POS, pooler=False):
    e = prefix + "embeddings."
    t[e + "word_embeddings.weight"] = init.matrix(vocab, HIDDEN, 0.5)
    t[e + "position_embeddings.weight"] = init.matrix(max_pos, HIDDEN, 0.5)
    t[e + "token_type_embeddings.weight"] = init.matrix(type_vocab, HIDDEN, 0.5)
    layernorm(t, init, e + "LayerNorm", HIDDEN)
    for i in range(LAYERS):
        p = f"{prefix}encoder.layer.{i}."
        for name in ("query", "key", "value"):
            linear(t, init, p + "attention.self." + name, HIDDEN, HIDDEN)
        linear(t, init, p + "attention.output.dense", HIDDEN, HIDDEN)
        layernorm(t, init, p + "attention.output.LayerNorm", HIDDEN)
        linear(t, init, p + "intermediate.dense", FFN, HIDDEN)
        linear(t, init, p + "output.dense", HIDDEN, FFN)
        layernorm(t, init, p + "output.LayerNorm", HIDDEN)
    if pooler:
        linear(t, init, prefix + "pooler.dense", HIDDEN, HIDDEN)


def bert_config(vocab, architecture, **extra):
    config = {"architectures": [architecture], "model_type": "bert", "vocab_size": vocab,
              "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "intermediate_size": FFN, "hidden_act": "gelu", "max_position_embeddings": MAX_POS,
              "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0,
              "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
              "position_embedding_type": "absolute", "initializer_range": 0.02}
    config.update(extra)
    return config


def roberta(init, vocab):
    t = {}
    # RoBERTa positions start at pad_token_id + 1, so the table has max_position_embeddings rows = 64 + 2 used.
    bert_body(t, init, "", vocab, type_vocab=1, max_pos=MAX_POS + 2, pooler=True)
    config = bert_config(vocab, "RobertaModel", model_type="roberta", type_vocab_size=1, pad_token_id=1,
                         bos_token_id=2, eos_token_id=3, max_position_embeddings=MAX_POS + 2, layer_norm_eps=1e-5)
    return t, config


def distilbert(init, vocab):
    t = {}
    t["embeddings.word_embeddings.weight"] = init.matrix(vocab, HIDDEN, 0.5)
    t["embeddings.position_embeddings.weight"] = init.matrix(MAX_POS, HIDDEN, 0.5)
    layernorm(t, init, "embeddings.LayerNorm", HIDDEN)
    for i in range(LAYERS):
        p = f"transformer.layer.{i}."
        for name in ("q_lin", "k_lin", "v_lin", "out_lin"):
            linear(t, init, p + "attention." + name, HIDDEN, HIDDEN)
        layernorm(t, init, p + "sa_layer_norm", HIDDEN)
        linear(t, init, p + "ffn.lin1", FFN, HIDDEN)
        linear(t, init, p + "ffn.lin2", HIDDEN, FFN)
        layernorm(t, init, p + "output_layer_norm", HIDDEN)
    config = {"architectures": ["DistilBertModel"], "model_type": "distilbert", "vocab_size": vocab,
              "dim": HIDDEN, "n_layers": LAYERS, "n_heads": HEADS, "hidden_dim": FFN, "activation": "gelu",
              "max_position_embeddings": MAX_POS, "sinusoidal_pos_embds": False, "pad_token_id": 0,
              "dropout": 0.0, "attention_dropout": 0.0, "initializer_range": 0.02}
    return t, config


def write_folder(path, tensors, config, tokens, sentence_transformers=False):
    os.makedirs(path, exist_ok=True)
    save_file(tensors, os.path.join(path, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(path, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(tokens), f, ensure_ascii=False)
    with open(os.path.join(path, "tokenizer_config.json"), "w") as f:
        json.dump(TOKENIZER_CONFIG, f, indent=2)
    if sentence_transformers:
        modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                   {"idx": 2, "name": "2", "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize"}]
        with open(os.path.join(path, "modules.json"), "w") as f:
            json.dump(modules, f, indent=2)
        os.makedirs(os.path.join(path, "1_Pooling"), exist_ok=True)
        os.makedirs(os.path.join(path, "2_Normalize"), exist_ok=True)
        with open(os.path.join(path, "1_Pooling", "config.json"), "w") as f:
            json.dump({"word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
                       "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                       "pooling_mode_mean_sqrt_len_tokens": False}, f, indent=2)
        with open(os.path.join(path, "sentence_bert_config.json"), "w") as f:
            json.dump({"max_seq_length": MAX_POS, "do_lower_case": False}, f, indent=2)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: write_tiny_encoders.py OUTDIR")
    out = sys.argv[1]
    tokens = vocabulary()
    vocab = len(tokens)

    t = {}
    bert_body(t, Init(1), "", vocab, pooler=True)
    write_folder(os.path.join(out, "bert"), t, bert_config(vocab, "BertModel"), tokens, sentence_transformers=True)

    init = Init(2)
    t = {}
    bert_body(t, init, "bert.", vocab)
    linear(t, init, "classifier", len(NER_LABELS), HIDDEN, std=1.0)
    labels = dict(enumerate(NER_LABELS))
    config = bert_config(vocab, "BertForTokenClassification", id2label={str(k): v for k, v in labels.items()},
                         label2id={v: k for k, v in labels.items()})
    write_folder(os.path.join(out, "bert-ner"), t, config, tokens)

    init = Init(3)
    t = {}
    bert_body(t, init, "bert.", vocab)
    linear(t, init, "cls.predictions.transform.dense", HIDDEN, HIDDEN)
    layernorm(t, init, "cls.predictions.transform.LayerNorm", HIDDEN)
    t["cls.predictions.bias"] = init.vector(vocab)
    write_folder(os.path.join(out, "bert-mlm"), t, bert_config(vocab, "BertForMaskedLM"), tokens)

    init = Init(4)
    t = {}
    bert_body(t, init, "bert.", vocab, pooler=True)
    linear(t, init, "classifier", 3, HIDDEN, std=1.0)
    config = bert_config(vocab, "BertForSequenceClassification",
                         id2label={"0": "negative", "1": "neutral", "2": "positive"},
                         label2id={"negative": 0, "neutral": 1, "positive": 2})
    write_folder(os.path.join(out, "bert-cls"), t, config, tokens)

    t, config = roberta(Init(5), vocab)
    write_folder(os.path.join(out, "roberta"), t, config, tokens)

    t, config = distilbert(Init(6), vocab)
    write_folder(os.path.join(out, "distilbert"), t, config, tokens)


if __name__ == "__main__":
    main()
