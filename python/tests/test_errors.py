"""Bad input raises a Python exception carrying loom's message (loom.LoomError), or TypeError for wrong types;
never a crash or a hang."""

from __future__ import annotations

import pytest

import loom


def test_missing_model_names_the_path(tmp_path):
    missing = str(tmp_path / "nope.gguf")
    with pytest.raises(loom.LoomError, match="nope.gguf"):
        loom.Model(missing)


def test_loom_error_is_a_runtime_error():
    assert issubclass(loom.LoomError, RuntimeError)


def test_bad_constructor_arguments(default_model_path):
    with pytest.raises(loom.LoomError, match="threads must be >= 0"):
        loom.Model(default_model_path, threads=-1)
    with pytest.raises(loom.LoomError, match="context must be >= 0"):
        loom.Model(default_model_path, context=-5)
    with pytest.raises(TypeError):
        loom.Model(default_model_path, threads="two")


def test_bad_generation_options(default_model):
    with pytest.raises(loom.LoomError, match="temperature"):
        default_model.generate("Hi", temperature=-1)
    with pytest.raises(loom.LoomError, match="top_p"):
        default_model.generate("Hi", top_p=0)
    with pytest.raises(loom.LoomError, match="max_tokens"):
        default_model.generate("Hi", max_tokens=0)
    with pytest.raises(loom.LoomError, match="prompt is empty"):
        default_model.generate("")
    with pytest.raises(TypeError, match="unknown generation option"):
        default_model.chat([{"role": "user", "content": "Hi"}], n_predict=3)
    with pytest.raises(TypeError):
        default_model.chat("not a list of messages")
    with pytest.raises(TypeError):
        default_model.stream()


def test_prompt_longer_than_the_context(default_model_path):
    small = loom.Model(default_model_path, context=16)
    with pytest.raises(loom.LoomError, match="context window"):
        small.generate("word " * 40, max_tokens=4)
    assert small.generate("Hi", max_tokens=4, temperature=0).text  # the model stays usable


def test_bad_chat_messages(default_model):
    with pytest.raises(loom.LoomError):
        default_model.chat([{"role": "user"}])  # no content: the template or loom refuses it


def test_task_the_model_cannot_do(default_model, minilm):
    with pytest.raises(loom.LoomError, match="embed needs an encoder"):
        default_model.embed(["x"])
    with pytest.raises(loom.LoomError, match="needs a decoder"):
        minilm.generate("Hi")
    with pytest.raises(loom.LoomError, match="translate needs"):
        minilm.translate("Hi")


def test_bad_encoder_input(minilm, tiny_encoders):
    with pytest.raises(loom.LoomError, match="no texts"):
        minilm.embed([])
    with pytest.raises(loom.LoomError, match="pooling"):
        minilm.embed(["x"], pooling="median")
    with pytest.raises(loom.LoomError, match="batch_size"):
        minilm.embed(["x"], batch_size=0)
    with pytest.raises(TypeError):
        minilm.embed([1, 2])
    mlm = loom.Model(str(tiny_encoders / "bert-mlm"))
    with pytest.raises(loom.LoomError, match=r"no \[MASK\] token"):
        mlm.fill_mask("no mask token here")
    ner = loom.Model(str(tiny_encoders / "bert-ner"))
    with pytest.raises(loom.LoomError, match="aggregation"):
        ner.ner("John", aggregation="median")


def test_bad_token_ids(default_model):
    with pytest.raises(loom.LoomError, match="not in the vocabulary"):
        default_model.detokenize([10**9])
    with pytest.raises(TypeError):
        default_model.detokenize(["a"])
