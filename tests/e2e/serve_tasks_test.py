"""`loom serve` task routes against the CLI on the same input:
  /v1/translate == `loom translate` (one text, a list == `-i FILE`, beams), /v1/ner == `loom ner`,
  /v1/attention == `loom attention`'s attention.json (decoder: the default model, also while a stream runs;
  encoder: tiny BERT), and every bad request -> a 4xx OpenAI error object naming the field.
Usage: python3 tests/e2e/serve_tasks_test.py path/to/loom   (from the repository root)"""
import json
import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))
from serve_helpers import Checks, Server, default_model  # noqa: E402

loom = sys.argv[1]
t = Checks("serve_tasks")
tmp = tempfile.mkdtemp(prefix="loom_serve_tasks_")
subprocess.run([sys.executable, "scripts/goldens/write_tiny_seq2seq.py", "--out", f"{tmp}/s2s"], check=True,
               stdout=subprocess.DEVNULL)
subprocess.run([sys.executable, "scripts/goldens/write_tiny_encoders.py", f"{tmp}/enc"], check=True,
               stdout=subprocess.DEVNULL)
MARIAN, NER, BERT = f"{tmp}/s2s/marian", f"{tmp}/enc/bert-ner", f"{tmp}/enc/bert"
SOURCE = json.load(open("tests/data/seq2seq/marian.json"))["text"]["input"]
NER_TEXT = json.load(open("tests/data/encoders/tiny_bert_ner.json"))["pipeline"][1]["text"]
PROMPT = "The capital of France is"
model = default_model()


def cli(*args):
    r = subprocess.run([loom, *args], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"loom {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r.stdout


def post(server, path, body):
    status, text, _ = server.post(path, body)
    return status, json.loads(text)


def expect_error(server, path, body, status, param, what):
    got, j = post(server, path, body)
    err = j.get("error", {}) if isinstance(j, dict) else {}
    t.check(got == status and err.get("param") == param and err.get("message") and "type" in err,
            f"{what}: expected {status} param={param}, got {got} {j}")


def close(a, b, tol=1e-5):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    return abs(a - b) <= tol


def same_attention(got, want, what):
    for key in ("tokens", "token_ids", "labels", "layers", "heads", "n_prompt", "causal", "text"):
        t.check(got.get(key) == want.get(key), f"{what}: '{key}' {got.get(key)} != CLI {want.get(key)}")
    t.check(close(got["attention"], want["attention"]), f"{what}: attention weights differ from the CLI's")


server = Server(loom, "-m", model, "--ctx", "512", "--translate-model", MARIAN + "/", "--ner-model", NER)


def models_listed():
    _, text, _ = server.get("/v1/models")
    ids = [m["id"] for m in json.loads(text)["data"]]
    t.check(ids == [os.path.basename(model), "marian", "bert-ner"], f"models: {ids}")
    # One start-up line per loaded model, task models included, naming what each serves.
    out = server.output()
    for line in (f"loom serve: model {os.path.basename(model)} (decoder): chat, completion",
                 "loom serve: model marian (translation): translate at /v1/translate",
                 "loom serve: model bert-ner (ner): ner, attention at /v1/ner /v1/attention"):
        t.check(line in out, f"start-up line {line!r} missing: {out[:800]}")


def translate_equals_cli():
    status, j = post(server, "/v1/translate", {"input": SOURCE, "max_tokens": 16})
    want = cli("translate", "-m", MARIAN, "-n", "16", "-t", "1", SOURCE).rstrip("\n")
    t.check(status == 200 and j["data"][0]["text"] == want, f"translate: {status} {j} != CLI {want!r}")
    t.check(j.get("model") == "marian" and j.get("source_lang") == "en" and j.get("target_lang") == "de",
            f"translate header: {j}")
    t.check(j["usage"]["prompt_tokens"] > 0, f"usage: {j.get('usage')}")
    texts = [SOURCE, "I am a cat.", "Hello world, this is a longer line of text."]
    with open(f"{tmp}/in.txt", "w") as f:
        f.write("\n".join(texts) + "\n")
    status, j = post(server, "/v1/translate", {"input": texts, "max_tokens": 12, "source_lang": "en",
                                               "target_lang": "de"})
    want = cli("translate", "-m", MARIAN, "-n", "12", "-t", "1", "-i", f"{tmp}/in.txt").splitlines()
    got = [d["text"] for d in j.get("data", [])]
    t.check(status == 200 and got == want and [d["index"] for d in j["data"]] == [0, 1, 2],
            f"translate list: {got} != CLI {want}")
    status, j = post(server, "/v1/translate", {"input": SOURCE, "max_tokens": 8, "num_beams": 4})
    want = cli("translate", "-m", MARIAN, "-n", "8", "--num-beams", "4", "-t", "1", SOURCE).rstrip("\n")
    t.check(status == 200 and j["data"][0]["text"] == want, f"beam translate: {j} != CLI {want!r}")


def translate_errors():
    expect_error(server, "/v1/translate", {}, 400, "input", "no input")
    expect_error(server, "/v1/translate", {"input": 5}, 400, "input", "input of the wrong type")
    expect_error(server, "/v1/translate", {"input": [""]}, 400, "input", "an empty text")
    expect_error(server, "/v1/translate", {"input": ["a"] * 65}, 400, "input", "too many texts")
    expect_error(server, "/v1/translate", {"input": "hello", "target_lang": "fr"}, 400, "target_lang",
                 "a pair the model lacks")
    expect_error(server, "/v1/translate", {"input": "word " * 100}, 400, "input", "longer than the encoder")
    expect_error(server, "/v1/translate", {"input": "hello", "max_tokens": 0}, 400, "max_tokens", "max_tokens 0")
    expect_error(server, "/v1/translate", {"input": "hello", "num_beams": "4"}, 400, "num_beams", "beams string")
    expect_error(server, "/v1/translate", {"input": "hello", "model": "nope"}, 404, "model", "unknown model")
    status, j = post(server, "/v1/translate", {"input": "word " * 100, "truncate": True, "max_tokens": 4})
    t.check(status == 200 and len(j["data"]) == 1, f"truncate: {status} {j}")
    status, text, _ = server.post("/v1/translate", b'{"input": ', raw=True)
    t.check(status == 400 and "error" in json.loads(text), f"malformed JSON: {status} {text}")


def ner_equals_cli():
    for aggregation in ("first", "none"):
        status, j = post(server, "/v1/ner", {"input": NER_TEXT, "aggregation": aggregation})
        want = json.loads(cli("ner", "-m", NER, NER_TEXT, "--aggregation", aggregation))
        t.check(status == 200 and j["data"][0]["entities"] == want, f"ner {aggregation}: {j} != CLI {want}")
    golden = json.load(open("tests/data/encoders/tiny_bert_ner.json"))["pipeline"][1]["entities"]["first"]
    got = post(server, "/v1/ner", {"input": [NER_TEXT, "paris"], "aggregation": "first"})[1]["data"]
    t.check(len(got) == 2 and len(got[0]["entities"]) == len(golden), f"ner list: {got}")
    for g, w in zip(got[0]["entities"], golden):
        g, w = dict(g), dict(w)
        t.check(abs(g.pop("score") - w.pop("score")) < 1e-4 and g == w, f"ner vs HF golden: {g} != {w}")
    expect_error(server, "/v1/ner", {"input": "x", "aggregation": "greedy"}, 400, "aggregation", "bad aggregation")
    expect_error(server, "/v1/ner", {"text": "x"}, 400, "input", "no input")
    expect_error(server, "/v1/ner", {"input": "x", "model": "marian"}, 404, "model", "wrong model")


def decoder_attention_equals_cli():
    for generate in (0, 3):
        status, got = post(server, "/v1/attention", {"input": PROMPT, "layers": "0,-1", "heads": [0, 1, 2],
                                                     "generate": generate})
        cli("attention", "-m", model, "-o", f"{tmp}/att{generate}", "--layers", "0,-1", "--heads", "0-2",
            "--generate", str(generate), "-t", "1", PROMPT)
        want = json.load(open(f"{tmp}/att{generate}/attention.json"))
        t.check(status == 200, f"attention: {status} {got}")
        if status == 200:
            same_attention(got, want, f"decoder attention (generate {generate})")
            t.check(got["model"] == os.path.basename(model), f"attention model: {got['model']}")


def attention_beside_a_stream():
    """Recording installs a hook in the shared model: a greedy stream running meanwhile must be unchanged."""
    body = {"prompt": PROMPT, "max_tokens": 24, "temperature": 0}
    alone = json.loads(server.post("/v1/completions", body)[1])["choices"][0]["text"]
    result = {}
    th = threading.Thread(target=lambda: result.update(
        beside=json.loads(server.post("/v1/completions", body)[1])["choices"][0]["text"]))
    th.start()
    statuses = [post(server, "/v1/attention", {"input": PROMPT, "layers": "0", "decimals": 3})[0]
                for _ in range(3)]
    th.join()
    t.check(statuses == [200] * 3, f"attention beside a stream: {statuses}")
    t.check(result.get("beside") == alone, f"completion changed beside attention: {result} vs {alone!r}")


def attention_errors():
    expect_error(server, "/v1/attention", {}, 400, "input", "no input")
    expect_error(server, "/v1/attention", {"input": 3}, 400, "input", "input of the wrong type")
    expect_error(server, "/v1/attention", {"input": "hi", "layers": "99"}, 400, "layers", "layer out of range")
    expect_error(server, "/v1/attention", {"input": "hi", "heads": "x"}, 400, "heads", "malformed heads")
    expect_error(server, "/v1/attention", {"input": "hi", "heads": ["0"]}, 400, "heads", "heads of strings")
    expect_error(server, "/v1/attention", {"input": "hi", "generate": 1000}, 400, "generate", "generate 1000")
    expect_error(server, "/v1/attention", {"input": "hi", "decimals": 0}, 400, "decimals", "decimals 0")
    expect_error(server, "/v1/attention", {"input": "word " * 600}, 400, "input", "over the token limit")
    expect_error(server, "/v1/attention", {"input": "word " * 300}, 400, "layers", "over the weights budget")
    expect_error(server, "/v1/attention", {"input": "hi", "model": "nope"}, 404, "model", "unknown model")
    expect_error(server, "/v1/attention", {"input": "hi", "model": "marian"}, 404, "model", "seq2seq model")
    status, j = post(server, "/v1/attention", {"input": NER_TEXT, "model": "bert-ner"})
    t.check(status == 200 and j["causal"] is False and len(j["layers"]) == 2, f"ner model attention: {status}")


for name, fn in [("models", models_listed), ("translate", translate_equals_cli), ("translate errors", translate_errors),
                 ("ner", ner_equals_cli), ("decoder attention", decoder_attention_equals_cli),
                 ("attention beside a stream", attention_beside_a_stream), ("attention errors", attention_errors)]:
    t.run(name, fn)
t.check(server.stop() == 0, "SIGTERM exit code")

# An encoder-only server: the task routes it was not given answer 400; attention comes from the encoder.
server = Server(loom, "-m", BERT)


def encoder_server():
    expect_error(server, "/v1/translate", {"input": "hello"}, 400, "model", "no translation model")
    expect_error(server, "/v1/ner", {"input": "hello"}, 400, "model", "no NER model")
    status, got = post(server, "/v1/attention", {"input": NER_TEXT})
    cli("attention", "-m", BERT, "-o", f"{tmp}/att_bert", "-t", "1", NER_TEXT)
    want = json.load(open(f"{tmp}/att_bert/attention.json"))
    t.check(status == 200, f"encoder attention: {status} {got}")
    if status == 200:
        same_attention(got, want, "encoder attention")
    expect_error(server, "/v1/attention", {"input": "hi", "generate": 2}, 400, "generate", "generate on an encoder")


t.run("encoder server", encoder_server)
t.check(server.stop() == 0, "SIGTERM exit code (encoder server)")
subprocess.run(["rm", "-rf", tmp])
t.finish()
