"""`loom serve`: one log line per request on stderr at the default level (time, method, route, status, tokens,
ms); a known route asked with the wrong method is 405 with `Allow` and an OpenAI error (not 404); one start-up
line per loaded model; GET /props names what each model can do; POST /apply-template renders messages through
the chat template (the same prompt tokens /v1/chat/completions counts); /v1/attention takes messages too; the
test-only pacing field is refused unless the server runs with LOOM_SERVE_TEST_PACING=1.
Usage: python3 tests/e2e/serve_routes_test.py path/to/loom   (from the repository root)"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from serve_helpers import Checks, Server, default_model  # noqa: E402

loom = sys.argv[1]
t = Checks("serve_routes")
MINILM = "models/all-MiniLM-L6-v2"
model = default_model()
MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name a colour."}]
LINE = re.compile(r"^loom serve: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (\S+) (\d{3})"
                  r"(?: prompt=(\d+))?(?: generated=(\d+))? (\d+) ms$")


def log_lines(server):
    return [m for m in (LINE.match(x) for x in server.output().splitlines()) if m]


def wait_for_line(server, method, route, status):
    deadline = time.time() + 30  # the line is written after the response: poll for it
    while time.time() < deadline:
        found = [m for m in log_lines(server) if m.group(2, 3, 4) == (method, route, str(status))]
        if found:
            return found[-1]
        time.sleep(0.05)
    return None


def request_log(server):
    before = len(log_lines(server))
    status, body, _ = server.post("/v1/chat/completions", {"messages": MESSAGES, "max_tokens": 5, "temperature": 0})
    usage = json.loads(body)["usage"]
    m = wait_for_line(server, "POST", "/v1/chat/completions", 200)
    t.check(m is not None, f"no log line for the chat request: {server.output()[-800:]}")
    if m:
        t.check(int(m.group(5)) == usage["prompt_tokens"] and int(m.group(6)) == usage["completion_tokens"],
                f"log line tokens {m.group(0)} != usage {usage}")
    status, _, _ = server.get("/health")
    t.check(wait_for_line(server, "GET", "/health", 200) is not None, "no log line for GET /health")
    server.post("/v1/completions", {"prompt": "Hi", "max_tokens": 3, "stream": True, "temperature": 0})
    m = wait_for_line(server, "POST", "/v1/completions", 200)
    t.check(m is not None and m.group(6) is not None and int(m.group(6)) >= 1,
            f"streamed request logged with its generated tokens: {m and m.group(0)}")
    server.post("/v1/completions", {"prompt": "Hi", "max_tokens": "x"})
    t.check(wait_for_line(server, "POST", "/v1/completions", 400) is not None, "a 400 is logged too")
    server.get("/no/such/route")
    t.check(wait_for_line(server, "GET", "/no/such/route", 404) is not None, "a 404 is logged too")
    t.check(len(log_lines(server)) >= before + 5, "one line per request")


def wrong_method(server):
    for method, path, allow in (("GET", "/v1/chat/completions", "POST"), ("GET", "/v1/completions", "POST"),
                                ("GET", "/tokenize", "POST"), ("POST", "/v1/models", "GET, HEAD"),
                                ("POST", "/health", "GET, HEAD"), ("PUT", "/v1/embeddings", "POST"),
                                ("DELETE", "/props", "GET, HEAD")):
        if method == "GET":
            status, body, headers = server.get(path)
        else:
            status, body, headers = server.request(method, path, b"{}")
        err = json.loads(body).get("error", {}) if body.startswith("{") else {}
        t.check(status == 405 and headers.get("Allow") == allow and err.get("type") == "invalid_request_error"
                and err.get("code") == "method_not_allowed" and method in err.get("message", ""),
                f"{method} {path}: {status} Allow={headers.get('Allow')} {body[:200]}")
    status, body, _ = server.get("/v1/nothing")
    t.check(status == 404 and json.loads(body)["error"]["type"] == "not_found_error", f"unknown route: {status}")


def startup_and_props(server):
    out = server.output()
    name, emb = os.path.basename(model), os.path.basename(MINILM)
    t.check(re.search(rf"^loom serve: model {re.escape(name)} \(decoder\): chat, completion.* at .*/v1/chat/completions",
                      out, re.M) is not None, f"start-up line for the decoder: {out[:600]}")
    t.check(re.search(rf"^loom serve: model {re.escape(emb)} \(embedding\): embeddings.* at /v1/embeddings", out, re.M)
            is not None, f"start-up line for the embedding model: {out[:600]}")
    status, body, _ = server.get("/props")
    p = json.loads(body)
    kinds = {m["id"]: m["kind"] for m in p.get("models", [])}
    t.check(status == 200 and kinds == {name: "decoder", emb: "embedding"} and p["chat_template"] is True
            and p["n_ctx"] == 512 and p["sampling_defaults"]["temperature"] == 1.0 and p["test_pacing"] is False,
            f"/props: {body[:400]}")
    status, body, _ = server.get("/v1/models")
    caps = {m["id"]: m["capabilities"] for m in json.loads(body)["data"]}
    t.check("chat" in caps.get(name, []) and "embeddings" in caps.get(emb, []), f"/v1/models capabilities {caps}")


def apply_template(server):
    status, body, _ = server.post("/apply-template", {"messages": MESSAGES, "with_pieces": True})
    d = json.loads(body)
    t.check(status == 200 and "<|im_start|>" in d.get("prompt", "") and d["prompt"].endswith("assistant\n"),
            f"/apply-template prompt: {body[:300]}")
    _, chat_body, _ = server.post("/v1/chat/completions", {"messages": MESSAGES, "max_tokens": 1})
    n = json.loads(chat_body)["usage"]["prompt_tokens"]
    t.check(d.get("n_tokens") == n == len(d.get("tokens", [])), f"template tokens {d.get('n_tokens')} != chat usage {n}")
    t.check("".join(x["piece"] for x in d["tokens"]) == d["prompt"], "pieces spell the prompt")
    status, body, _ = server.post("/tokenize", {"content": d["prompt"]})
    t.check([x["id"] for x in d["tokens"]] == json.loads(body)["tokens"], "ids equal /tokenize of the prompt text")
    _, body, _ = server.post("/apply-template", {"messages": MESSAGES, "add_generation_prompt": False})
    t.check(not json.loads(body)["prompt"].endswith("assistant\n"), "add_generation_prompt: false")
    status, body, _ = server.post("/apply-template", {"messages": []})
    t.check(status == 400 and json.loads(body)["error"]["param"] == "messages", f"empty messages: {status}")
    # Attention of the same messages: the templated prompt's tokens.
    status, body, _ = server.post("/v1/attention", {"messages": MESSAGES, "layers": "0", "heads": "0", "decimals": 2})
    a = json.loads(body)
    t.check(status == 200 and a["token_ids"] == [x["id"] for x in d["tokens"]] and a["text"] == d["prompt"],
            f"attention of messages: {status} {body[:200]}")
    status, body, _ = server.post("/v1/attention", {"messages": MESSAGES, "model": os.path.basename(MINILM)})
    t.check(status == 400 and json.loads(body)["error"]["param"] == "messages", f"messages on an encoder: {status}")


def pacing_refused(server):
    status, body, _ = server.post("/v1/completions", {"prompt": "Hi", "max_tokens": 2, "loom_test_token_delay_ms": 10})
    t.check(status == 400 and json.loads(body)["error"]["param"] == "loom_test_token_delay_ms",
            f"pacing without the test switch: {status} {body[:200]}")


server = Server(loom, "-m", model, "--embedding-model", MINILM, "--slots", "2", "-c", "512")
try:
    t.run("startup and props", lambda: startup_and_props(server))
    t.run("request log", lambda: request_log(server))
    t.run("405", lambda: wrong_method(server))
    t.run("apply-template", lambda: apply_template(server))
    t.run("pacing refused", lambda: pacing_refused(server))
finally:
    t.check(server.stop() == 0, "server exit code")

# An embeddings-only server: no generation capability anywhere.
server = Server(loom, "-m", MINILM)
try:
    _, body, _ = server.get("/props")
    p = json.loads(body)
    caps = [c for m in p["models"] for c in m["capabilities"]]
    t.check("chat" not in caps and "completion" not in caps and "embeddings" in caps and "n_ctx" not in p,
            f"embeddings-only /props: {body[:300]}")
    status, body, _ = server.post("/apply-template", {"messages": MESSAGES})
    t.check(status == 400, f"/apply-template without a decoder: {status}")
finally:
    t.check(server.stop() == 0, "embeddings-only server exit code")
t.finish()
