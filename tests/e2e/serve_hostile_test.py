"""Hostile requests against `loom serve` (issue 15 items 1 and 2). Every check polls with bounded retries; no
sleep races the server.
  1. logit_bias banning the whole vocabulary (completions, chat, streamed, greedy): that request fails with a
     clear error naming the cause and the server keeps serving (it used to abort with SIGABRT).
  2. One-word 2 MB prompts on several HTTP threads at once: resident memory returns near the baseline (thread-
     local BPE buffers used to keep ~55 MB each, for ever).
Usage: python3 tests/e2e/serve_hostile_test.py path/to/loom"""
import concurrent.futures
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from serve_helpers import Checks, Server, default_model  # noqa: E402

N_VOCAB = 49152  # SmolLM2's vocabulary
loom = sys.argv[1]
t = Checks("serve_hostile")
server = Server(loom, "-m", default_model(), "--slots", "2", "--ctx", "256", "--max-queue", "16")


def alive(what):
    code, _, _ = server.get("/health")
    t.check(server.proc.poll() is None and code == 200, f"server alive after {what}: exit {server.proc.poll()}, {code}")


def settle(what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.metric("loom_slots_active") == 0 and server.metric("loom_queue_depth") == 0:
            return
        time.sleep(0.1)
    t.check(False, f"slots still busy {timeout} s after {what}")


def ban_everything():
    bias = {str(i): -100 for i in range(N_VOCAB)}
    for temperature in (None, 0):
        body = {"prompt": "Hello", "max_tokens": 4, "logit_bias": bias}
        if temperature is not None:
            body["temperature"] = temperature
        code, text, _ = server.post("/v1/completions", body)
        t.check(code == 400 and "banned" in text, f"completions, temperature {temperature}: {code} {text[:200]}")
        alive(f"completions with every token banned (temperature {temperature})")
    code, text, _ = server.post("/v1/chat/completions", {"messages": [{"role": "user", "content": "Hi"}],
                                                         "max_tokens": 4, "stream": True, "logit_bias": bias})
    events = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: {")]
    errors = [e for e in events if "error" in e]
    t.check(code == 200 and len(errors) == 1 and "banned" in errors[0]["error"]["message"],
            f"streamed chat: {code}, events {events[-2:]}")
    alive("a streamed chat with every token banned")
    # One banned choice next to a normal request: only the banned one fails.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        banned = pool.submit(server.post, "/v1/completions", {"prompt": "Hello", "max_tokens": 8, "logit_bias": bias})
        normal = pool.submit(server.post, "/v1/completions", {"prompt": "Hello", "max_tokens": 8, "ignore_eos": True})
        t.check(banned.result()[0] == 400, f"banned beside a normal one: {banned.result()[0]}")
        t.check(normal.result()[0] == 200, f"normal beside a banned one: {normal.result()[:2]}")
    settle("banned requests")
    code, text, _ = server.post("/v1/completions", {"prompt": "Hello", "max_tokens": 4})
    t.check(code == 200, f"a normal request after the banned ones: {code} {text[:200]}")


def huge_words():
    server.post("/tokenize", {"content": "warm up"})
    baseline = server.rss_mb()
    word = "a" * (2 << 20)
    for round_ in range(2):
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _: server.post("/tokenize", {"content": word})[0], range(4)))
        t.check(codes == [200] * 4, f"round {round_}: /tokenize of a 2 MB word: {codes}")
    after = server.rss_mb()
    print(f"RSS: {baseline:.0f} MB before 8 tokenizations of a 2 MB word, {after:.0f} MB after", flush=True)
    # Pinned buffers were ~55 MB per thread (4 threads: 220 MB); allow for allocator slack.
    t.check(after <= baseline + 64, f"RSS {after:.0f} MB vs {baseline:.0f} MB before the 2 MB words")
    alive("2 MB one-word prompts")


t.run("every token banned", ban_everything)
t.run("2 MB one-word prompts", huge_words)
t.check(server.proc.poll() is None, "server still running")
t.check(server.stop() == 0, "exit code 0 on SIGTERM")
t.finish()
