"""`loom serve` through the official `openai` Python client: completions, chat, streaming, logprobs, n, stop,
logit_bias, seeds, errors, the API key, embeddings (equal to `loom embed`), and SIGTERM with a stream in flight.
Usage: python3 tests/e2e/serve_openai_test.py path/to/loom   (from the repository root)"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import openai

sys.path.insert(0, os.path.dirname(__file__))
from serve_helpers import Checks, Server, default_model  # noqa: E402

loom = sys.argv[1]
t = Checks("serve_openai")
model = default_model()
server = Server(loom, "-m", model, "--slots", "4", "--ctx", "512", "--timeout", "60")
client = openai.OpenAI(base_url=server.base + "/v1", api_key="unused", max_retries=0, timeout=60)
PROMPT = "The three primary colors are"


def models():
    ids = [m.id for m in client.models.list().data]
    t.check(ids == [os.path.basename(model)], f"models: {ids}")


def completion_greedy_and_stream():
    a = client.completions.create(model="x", prompt=PROMPT, max_tokens=12, temperature=0)
    b = client.completions.create(model="x", prompt=PROMPT, max_tokens=12, temperature=0)
    t.check(a.choices[0].text == b.choices[0].text and a.choices[0].text.strip(), f"greedy text: {a.choices[0].text!r}")
    t.check(a.usage.completion_tokens <= 12 and a.usage.prompt_tokens > 0, f"usage {a.usage}")
    t.check(a.choices[0].finish_reason in ("length", "stop"), f"finish {a.choices[0].finish_reason}")
    chunks = list(client.completions.create(model="x", prompt=PROMPT, max_tokens=12, temperature=0, stream=True))
    streamed = "".join(c.choices[0].text for c in chunks if c.choices)
    t.check(streamed == a.choices[0].text, f"stream {streamed!r} != whole {a.choices[0].text!r}")
    t.check(len(chunks) >= 3, f"only {len(chunks)} chunks")
    t.check(chunks[-1].choices[0].finish_reason == a.choices[0].finish_reason, "stream finish_reason")


def max_tokens_and_seed():
    r = client.completions.create(model="x", prompt="Once upon a time", max_tokens=7, temperature=1.0, seed=5,
                                  extra_body={"ignore_eos": True})
    t.check(r.usage.completion_tokens == 7 and r.choices[0].finish_reason == "length", f"max_tokens: {r.usage}")
    s = client.completions.create(model="x", prompt="Once upon a time", max_tokens=7, temperature=1.0, seed=5,
                                  extra_body={"ignore_eos": True})
    t.check(r.choices[0].text == s.choices[0].text, "same seed, same text")


def logprobs_completion():
    r = client.completions.create(model="x", prompt=PROMPT, max_tokens=5, temperature=0, logprobs=3,
                                  extra_body={"ignore_eos": True})
    lp = r.choices[0].logprobs
    t.check(len(lp.tokens) == 5 and len(lp.token_logprobs) == 5 and len(lp.top_logprobs) == 5, f"lengths {lp}")
    # Greedy: the chosen token is the most likely one, so its logprob is the largest alternative.
    for tok, lpv, top in zip(lp.tokens, lp.token_logprobs, lp.top_logprobs):
        t.check(len(top) == 3 and abs(max(top.values()) - lpv) < 1e-5 and lpv <= 0, f"top {top} vs {tok} {lpv}")
    t.check("".join(lp.tokens) == r.choices[0].text, f"tokens {lp.tokens} vs text {r.choices[0].text!r}")


def chat_and_stream_logprobs():
    msgs = [{"role": "user", "content": "What is the capital of France?"}]
    r = client.chat.completions.create(model="x", messages=msgs, max_tokens=20, temperature=0)
    text = r.choices[0].message.content
    t.check(r.choices[0].message.role == "assistant" and text.strip(), f"chat: {text!r}")
    stream = client.chat.completions.create(model="x", messages=msgs, max_tokens=20, temperature=0, stream=True,
                                            logprobs=True, top_logprobs=4, stream_options={"include_usage": True})
    content, entries, usage = "", [], None
    for c in stream:
        if c.usage:
            usage = c.usage
        for ch in c.choices:
            content += ch.delta.content or ""
            if ch.logprobs and ch.logprobs.content:
                entries += ch.logprobs.content
    t.check(content == text, f"chat stream {content!r} != {text!r}")
    t.check(len(entries) >= 1 and all(len(e.top_logprobs) == 4 for e in entries), "chat top_logprobs")
    t.check(all(abs(e.top_logprobs[0].logprob - e.logprob) < 1e-5 for e in entries), "greedy = top alternative")
    t.check(usage is not None and usage.completion_tokens >= len(entries), f"usage {usage}")


def n_and_stop_and_bias():
    r = client.completions.create(model="x", prompt="Write a word:", max_tokens=8, temperature=1.0, n=3, seed=11)
    t.check(len(r.choices) == 3 and sorted(c.index for c in r.choices) == [0, 1, 2], "n=3 choices")
    base = client.completions.create(model="x", prompt=PROMPT, max_tokens=12, temperature=0).choices[0].text
    word = base.strip().split()[0] if base.strip() else ""
    if word:
        s = client.completions.create(model="x", prompt=PROMPT, max_tokens=12, temperature=0, stop=[word])
        t.check(word not in s.choices[0].text and s.choices[0].finish_reason == "stop", f"stop {word!r}: {s}")
    lp = client.completions.create(model="x", prompt=PROMPT, max_tokens=1, temperature=0, logprobs=1)
    first = lp.choices[0].logprobs.tokens[0]
    ids = json.loads(server.post("/tokenize", {"content": first})[1])["tokens"]
    banned = client.completions.create(model="x", prompt=PROMPT, max_tokens=1, temperature=0, logprobs=1,
                                       logit_bias={str(ids[0]): -100})
    t.check(banned.choices[0].logprobs.tokens[0] != first, f"logit_bias did not ban {first!r}")


def errors():
    def expect(exc, fn, what):
        try:
            fn()
            t.check(False, f"{what}: no error")
        except exc as e:
            body = getattr(e, "body", None) or {}
            t.check(isinstance(body, dict) and "message" in body and "type" in body, f"{what}: body {body}")
        except Exception as e:
            t.check(False, f"{what}: {type(e).__name__} {e}")

    expect(openai.BadRequestError, lambda: client.completions.create(model="x", prompt=PROMPT, max_tokens="x"), "type")
    expect(openai.BadRequestError, lambda: client.completions.create(model="x", prompt=PROMPT, temperature=9), "range")
    expect(openai.BadRequestError, lambda: client.chat.completions.create(model="x", messages=[]), "no messages")
    expect(openai.BadRequestError, lambda: client.completions.create(model="x", prompt="word " * 2000), "context")
    expect(openai.BadRequestError, lambda: client.embeddings.create(model="x", input="no encoder"), "embeddings")
    code, body, _ = server.post("/v1/completions", b'{"prompt": "x", ', raw=True)
    t.check(code == 400 and json.loads(body)["error"]["type"] == "invalid_request_error", f"malformed: {code} {body}")
    code, body, _ = server.post("/v1/nothing", {})
    t.check(code == 404 and "error" in json.loads(body), f"404: {code} {body}")
    code, body, _ = server.post("/v1/completions", b"x" * (5 << 20), raw=True)
    t.check(code == 413 and "error" in json.loads(body or "{}"), f"413: {code} {body[:200]}")
    code, body, _ = server.post("/detokenize", {"tokens": [1, 2, -5]})
    t.check(code == 400, f"detokenize bad id: {code}")


def tokenize_roundtrip():
    code, body, _ = server.post("/tokenize", {"content": "Hello world", "with_pieces": True})
    toks = json.loads(body)["tokens"]
    t.check(code == 200 and "".join(x["piece"] for x in toks) == "Hello world", f"tokenize {body}")
    code, body, _ = server.post("/detokenize", {"tokens": [x["id"] for x in toks]})
    t.check(json.loads(body)["content"] == "Hello world", f"detokenize {body}")
    code, body, _ = server.get("/health")
    t.check(code == 200 and json.loads(body)["status"] == "ok", "health")
    code, body, _ = server.get("/metrics")
    t.check("loom_tokens_generated_total" in body and "# TYPE loom_slots_active gauge" in body, "metrics text")


def api_key():
    s = Server(loom, "-m", model, "--slots", "1", "--ctx", "256", "--api-key", "sekrit")
    try:
        bad = openai.OpenAI(base_url=s.base + "/v1", api_key="wrong", max_retries=0)
        try:
            bad.models.list()
            t.check(False, "wrong key accepted")
        except openai.AuthenticationError as e:
            t.check(e.status_code == 401 and e.body.get("code") == "invalid_api_key", f"401 body {e.body}")
        code, _, _ = s.post("/v1/completions", {"prompt": "x"})
        t.check(code == 401, f"no key: {code}")
        good = openai.OpenAI(base_url=s.base + "/v1", api_key="sekrit", max_retries=0)
        r = good.completions.create(model="x", prompt="Hi", max_tokens=2)
        t.check(len(r.choices) == 1, "right key works")
        t.check(s.get("/health")[0] == 200 and s.get("/")[0] == 200, "health and / are public")
    finally:
        t.check(s.stop() == 0, "api-key server exit code")


def embeddings():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "scripts/goldens/write_tiny_encoders.py", tmp], check=True,
                       stdout=subprocess.DEVNULL)
        folder = os.path.join(tmp, "bert")
        s = Server(loom, "-m", folder)
        try:
            c = openai.OpenAI(base_url=s.base + "/v1", api_key="x", max_retries=0)
            texts = ["Paris is the capital of France.", "hello"]
            r = c.embeddings.create(model="bert", input=texts)  # the client asks for base64 by default
            f = c.embeddings.create(model="bert", input=texts, encoding_format="float")
            cli = [json.loads(l)["embedding"] for l in
                   subprocess.run([loom, "embed", "-m", folder, *texts], check=True, capture_output=True,
                                  text=True).stdout.splitlines()]
            t.check(len(r.data) == 2 and r.usage.prompt_tokens > 0, "embeddings count/usage")
            for got, fl, ref in zip(r.data, f.data, cli):
                t.check(len(got.embedding) == len(ref) and max(abs(a - b) for a, b in zip(got.embedding, ref)) < 1e-5,
                        "base64 embedding equals `loom embed`")
                t.check(max(abs(a - b) for a, b in zip(fl.embedding, ref)) < 1e-5, "float embedding equals `loom embed`")
            try:
                c.completions.create(model="x", prompt="hi")
                t.check(False, "completions on an encoder server")
            except openai.BadRequestError:
                t.check(True, "")
        finally:
            t.check(s.stop() == 0, "embedding server exit code")


def sigterm_mid_stream():
    s = Server(loom, "-m", model, "--slots", "2", "--ctx", "512", "--shutdown-grace", "120")
    c = openai.OpenAI(base_url=s.base + "/v1", api_key="x", max_retries=0, timeout=60)
    result = {}

    def stream():
        chunks = list(c.completions.create(model="x", prompt="Count: 1, 2, 3,", max_tokens=24, temperature=0,
                                           stream=True, extra_body={"ignore_eos": True}))
        result["finish"] = chunks[-1].choices[0].finish_reason if chunks else None

    th = threading.Thread(target=stream)
    th.start()
    time.sleep(0.8)
    code = s.stop()
    th.join(30)
    t.check(code == 0, f"exit code after SIGTERM: {code}")
    t.check(result.get("finish") == "length", f"in-flight stream finished: {result}")


for name, fn in [("models", models), ("completion", completion_greedy_and_stream), ("max_tokens", max_tokens_and_seed),
                 ("logprobs", logprobs_completion), ("chat", chat_and_stream_logprobs),
                 ("n/stop/bias", n_and_stop_and_bias), ("errors", errors), ("tokenize", tokenize_roundtrip),
                 ("api key", api_key), ("embeddings", embeddings), ("sigterm", sigterm_mid_stream)]:
    t.run(name, fn)
t.check(server.stop() == 0, "server exit code 0 on SIGTERM")
t.finish()
