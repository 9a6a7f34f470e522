"""loom.Model on the default model (a decoder) against `loom tokenize / detokenize / run / chat`."""

from __future__ import annotations

import json

import pytest

import loom

PROMPT = "The three primary colors are"
TEXTS = ["Hello, world!", "  leading spaces and ünïcödé — 東京 🚀", "line one\nline two\ttab", "a"]


def cli_piece(model: loom.Model, token_id: int) -> str:
    """A token as `loom run --top-probs` quotes it (its text, newlines escaped)."""
    return "'" + model.detokenize([token_id], skip_special_tokens=False).replace("\n", "\\n") + "'"


@pytest.mark.parametrize("text", TEXTS)
def test_tokenize_equals_cli(cli, default_model, default_model_path, text):
    expected = [int(i) for i in cli("tokenize", "-m", default_model_path, "--ids", text).split()]
    assert default_model.tokenize(text) == expected
    no_special = [int(i) for i in cli("tokenize", "-m", default_model_path, "--ids", "--no-special", text).split()]
    assert default_model.tokenize(text, add_special_tokens=False) == no_special


@pytest.mark.parametrize("text", TEXTS)
def test_tokenize_offsets_equal_cli(cli, default_model, default_model_path, text):
    rows = cli.json("tokenize", "-m", default_model_path, "--json", text)
    tokens = default_model.tokenize(text, offsets=True)
    assert tokens.ids == [r["id"] for r in rows]
    assert tokens.offsets == [(r["start"], r["end"]) for r in rows]
    assert tokens.pieces == [r["piece"] for r in rows]


def test_detokenize_equals_cli(cli, default_model, default_model_path):
    ids = default_model.tokenize(TEXTS[1])
    assert default_model.detokenize(ids) == cli("detokenize", "-m", default_model_path, *map(str, ids))[:-1]
    kept = cli("detokenize", "-m", default_model_path, "--keep-special", *map(str, ids))[:-1]
    assert default_model.detokenize(ids, skip_special_tokens=False) == kept


def test_greedy_generate_equals_loom_run(cli, default_model, default_model_path):
    out = cli("run", "-m", default_model_path, "--temp", "0", "-n", "48", "-q", "--no-display-prompt", PROMPT)
    completion = default_model.generate(PROMPT, max_tokens=48, temperature=0)
    assert completion.text == out[:-1]  # loom run ends with a line break
    assert len(completion.tokens) == 48 and completion.stop_reason == "max tokens"
    assert str(completion) == completion.text and completion.tokens_per_second > 0


def test_seeded_sampling_equals_loom_run(cli, default_model, default_model_path):
    args = ["--temp", "0.9", "--top-k", "50", "--top-p", "0.9", "--min-p", "0.02", "--seed", "1234"]
    out = cli("run", "-m", default_model_path, *args, "-n", "40", "-q", "--no-display-prompt", PROMPT)
    completion = default_model.generate(PROMPT, max_tokens=40, temperature=0.9, top_k=50, top_p=0.9,
                                        min_p=0.02, seed=1234)
    assert completion.text == out[:-1]


def test_stop_string_equals_loom_run(cli, default_model, default_model_path):
    out = cli("run", "-m", default_model_path, "--temp", "0", "-n", "48", "-q", "--no-display-prompt",
              "--stop", "RGB", PROMPT)
    completion = default_model.generate(PROMPT, max_tokens=48, temperature=0, stop="RGB")
    assert completion.text == out[:-1]
    assert completion.stop_reason == "stop string" and "RGB" not in completion.text


def test_top_probs_equal_loom_run(cli, default_model, default_model_path):
    out = cli("run", "-m", default_model_path, "--temp", "0", "-n", "6", "-q", "--top-probs", "3", PROMPT)
    completion = default_model.generate(PROMPT, max_tokens=6, temperature=0, top_probs=3)
    lines = []
    for k, (token, top) in enumerate(zip(completion.tokens, completion.top_probs)):
        assert len(top) == 3 and top[0].id == token  # greedy: the most likely token is drawn
        assert all(isinstance(t, loom.TokenProbability) and 0 < t.probability <= 1 for t in top)
        alternatives = "".join(f" {cli_piece(default_model, t.id)} {t.probability:.4f}" for t in top)
        lines.append(f"step {k}: {cli_piece(default_model, token)} (id {token}) |{alternatives}")
    assert "\n".join(lines) == out.split("\n" + completion.text)[0].rstrip("\n")


def test_chat_equals_loom_chat(cli, default_model, default_model_path):
    out = cli("chat", "-m", default_model_path, "--temp", "0", "-n", "40", stdin="What is the capital of France?\n")
    reply = default_model.chat([{"role": "user", "content": "What is the capital of France?"}], max_tokens=40,
                               temperature=0)
    assert reply.text == out[:-1]


def test_stream_yields_the_generated_text(default_model):
    whole = default_model.generate(PROMPT, max_tokens=32, temperature=0).text
    pieces = list(default_model.stream(PROMPT, max_tokens=32, temperature=0))
    assert len(pieces) > 5 and "".join(pieces) == whole
    messages = [{"role": "user", "content": "Say hello."}]
    assert "".join(default_model.stream(messages=messages, max_tokens=16, temperature=0)) == \
        default_model.chat(messages, max_tokens=16, temperature=0).text


def test_stream_stops_when_the_loop_is_left(default_model):
    stream = default_model.stream(PROMPT, max_tokens=2000, temperature=0, ignore_eos=True, top_probs=0)
    first = [next(stream) for _ in range(3)]
    stream.close()
    assert all(first)
    assert stream.completion is not None and stream.completion.stop_reason == "cancelled"
    assert len(stream.completion.tokens) < 2000


def test_leaving_a_stream_loop_early_stops_the_generation(default_model):
    stream = default_model.stream(PROMPT, max_tokens=2000, temperature=0, ignore_eos=True)
    outcome, thread = stream._outcome, stream._thread  # to look at after the iterator is gone
    for k, _ in enumerate(stream):
        if k == 2:
            break
    del stream  # what leaving the loop does to `for piece in model.stream(...)`
    thread.join()  # without the stop, this would run all 2,000 tokens and end with "max tokens"
    assert outcome["completion"].stop_reason == "cancelled" and len(outcome["completion"].tokens) < 2000


def test_info(default_model, default_model_path):
    info = default_model.info
    assert info["kind"] == "decoder" and info["architecture"] == "llama" and info["format"] == "gguf"
    assert info["n_layer"] == 30 and info["path"] == default_model_path == default_model.path
    assert json.dumps(info)  # plain JSON types only


def test_default_model_is_found_without_a_name(default_model_path, monkeypatch):
    monkeypatch.delenv("LOOM_MODEL", raising=False)
    assert loom.Model().path.endswith("models/SmolLM2-135M-Instruct.Q4_1.gguf")
