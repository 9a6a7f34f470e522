"""loom.Model on encoders and encoder-decoders against `loom embed / ner / fill-mask / translate / attention`:
all-MiniLM-L6-v2 and the tiny random-weight folders of scripts/goldens/."""

from __future__ import annotations

import json

import numpy as np
import pytest

import loom

SENTENCES = ["A man is eating food.", "A man is riding a horse.", "", "Zürich's café — naïve façade, 東京 🚀",
             "The quick brown fox jumps over the lazy dog. " * 20]


def cli_embeddings(cli, model_path: str, texts: list[str], *flags: str) -> np.ndarray:
    lines = cli("embed", "-m", model_path, *flags, "-f", "-", stdin="\n".join(texts) + "\n").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["index"] for r in rows] == list(range(len(texts)))
    return np.array([r["embedding"] for r in rows], dtype=np.float64)


def test_minilm_embed_equals_loom_embed(cli, minilm, minilm_path):
    vectors = minilm.embed(SENTENCES)
    assert isinstance(vectors, np.ndarray) and vectors.dtype == np.float32 and vectors.shape == (5, 384)
    np.testing.assert_allclose(vectors, cli_embeddings(cli, minilm_path, SENTENCES), rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)  # the folder normalises


def test_embed_options_equal_loom_embed_flags(cli, minilm, minilm_path):
    vectors = minilm.embed(SENTENCES, pooling="cls", normalize=False, batch_size=2)
    expected = cli_embeddings(cli, minilm_path, SENTENCES, "--pooling", "cls", "--no-normalize",
                              "--batch-size", "2")
    np.testing.assert_allclose(vectors, expected, rtol=0, atol=1e-6)


def test_one_text_gives_one_row(minilm):
    assert minilm.embed("one sentence").shape == (1, 384)


@pytest.mark.parametrize("folder", ["bert", "roberta", "distilbert"])
def test_tiny_encoder_embed_equals_loom_embed(cli, tiny_encoders, folder):
    path = str(tiny_encoders / folder)
    vectors = loom.Model(path).embed(SENTENCES[:4])
    np.testing.assert_allclose(vectors, cli_embeddings(cli, path, SENTENCES[:4]), rtol=0, atol=1e-6)


@pytest.mark.parametrize("aggregation", ["none", "simple", "first", "average", "max"])
def test_ner_equals_loom_ner(cli, tiny_encoders, aggregation):
    path = str(tiny_encoders / "bert-ner")
    text = "John Smith works at Microsoft in New York!"
    expected = cli.json("ner", "-m", path, "--aggregation", aggregation, text)
    assert loom.Model(path).ner(text, aggregation=aggregation) == expected


def test_fill_mask_equals_loom_fill_mask(cli, tiny_encoders):
    path = str(tiny_encoders / "bert-mlm")
    model = loom.Model(path)
    for text, k in [("Paris is the [MASK] of France.", 5), ("The [MASK] sat on the [MASK].", 3)]:
        assert model.fill_mask(text, top_k=k) == cli.json("fill-mask", "-m", path, "-k", str(k), text)


@pytest.mark.parametrize("folder,langs", [("marian", []), ("t5-v1_0", ["--from", "en", "--to", "de"])])
def test_translate_equals_loom_translate(cli, tiny_seq2seq, folder, langs):
    path = str(tiny_seq2seq / folder)
    sources = ["Hello world.", "The house is wonderful.", "How are you today?"]
    expected = cli("translate", "-m", path, *langs, "-n", "12", "-q", "-f", "-", stdin="\n".join(sources) + "\n")
    kwargs = {"source_lang": langs[1], "target_lang": langs[3]} if langs else {}
    model = loom.Model(path)
    assert model.translate(sources, max_new_tokens=12, **kwargs) == expected.splitlines()
    assert model.translate(sources[0], max_new_tokens=12, **kwargs) == expected.splitlines()[0]


def _cli_attention(cli, tmp_path, model_path: str, text: str) -> dict:
    cli("attention", "-m", model_path, "-o", str(tmp_path), "-q", text)
    return json.loads((tmp_path / "attention.json").read_text())


def test_encoder_attention_equals_loom_attention(cli, tiny_encoders, tmp_path):
    path = str(tiny_encoders / "bert")
    text = "Paris is the capital of France."
    doc = _cli_attention(cli, tmp_path, path, text)
    weights = loom.Model(path).attention(text)
    assert weights.dtype == np.float32 and weights.shape == (2, 4, len(doc["token_ids"]), len(doc["token_ids"]))
    np.testing.assert_allclose(weights, np.array(doc["attention"]), rtol=0, atol=1e-6)


def test_decoder_attention_equals_loom_attention(cli, default_model, default_model_path, tmp_path):
    text = "The cat sat on the mat."
    doc = _cli_attention(cli, tmp_path, default_model_path, text)
    weights = default_model.attention(text)
    T = len(default_model.tokenize(text))
    assert doc["token_ids"] == default_model.tokenize(text)
    assert weights.shape == (30, 9, T, T)
    np.testing.assert_allclose(weights, np.array(doc["attention"]), rtol=0, atol=1e-6)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)  # softmax rows
    assert np.all(np.triu(weights[0, 0], k=1) == 0)  # causal
    some = default_model.attention(text, layers="0,-1", heads="2-3")
    np.testing.assert_array_equal(some, weights[[0, 29]][:, [2, 3]])
