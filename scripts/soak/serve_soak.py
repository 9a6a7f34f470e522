#!/usr/bin/env python3
"""Mixed-traffic soak of one `loom serve` (issue 15): for --duration seconds, --clients threads send every
route (completions, chat, streams, streams dropped mid-way, slowly read streams, embeddings, task routes,
attention, tokenize / detokenize / apply-template, models / props / metrics / health, the playground), bad
bodies (malformed JSON, wrong Content-Type, oversized, broken chunked and gzip framing), and slow clients
(heads and bodies sent a few bytes at a time), all to 127.0.0.1.

It records and prints as JSON (and writes to --out if given):
  - crashes: the server exited before the end, or not with 0 on SIGTERM (0 expected);
  - RSS after warm-up (--warmup seconds) and at the end, and the change (within 10 % expected);
  - well-formed requests sent and answered (every one expected), with the status counts per kind; a bad
    request must be answered with its 4xx, a well-formed one with no 5xx other than 503/504 under load.
Exit status 0 when every expectation holds.

  python3 scripts/soak/serve_soak.py build/loom --duration 1800
"""
import argparse
import collections
import gzip
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

DEFAULT_MODEL = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
MAX_BODY = 1 << 20
HOST = "127.0.0.1"


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind = collections.defaultdict(collections.Counter)
        self.well_formed_sent = 0
        self.well_formed_answered = 0
        self.bad_sent = 0
        self.bad_answered = 0
        self.unexpected = []  # (kind, status or error)

    def record(self, kind, well_formed, status, expected):
        with self.lock:
            self.by_kind[kind][str(status)] += 1
            answered = isinstance(status, int)
            if well_formed:
                self.well_formed_sent += 1
                self.well_formed_answered += 1 if answered else 0
            else:
                self.bad_sent += 1
                self.bad_answered += 1 if answered else 0
            if not answered or status not in expected:
                if len(self.unexpected) < 200:
                    self.unexpected.append((kind, status))


def read_response(sock):
    """One response from a raw socket: (status, headers, body). Content-Length or chunked."""
    f = sock.makefile("rb")
    line = f.readline()
    if not line:
        raise ConnectionError("closed before a status line")
    status = int(line.split()[1])
    headers = {}
    while True:
        h = f.readline()
        if not h or h in (b"\r\n", b"\n"):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = b""
    if "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int(f.readline().split(b";")[0], 16)
            if size == 0:
                f.readline()
                break
            body += f.read(size)
            f.readline()
    return status, headers, body


class Client(threading.Thread):
    def __init__(self, port, stats, until, seed):
        super().__init__(daemon=True)
        self.port, self.stats, self.until = port, stats, until
        self.rng = random.Random(seed)
        self.conn = None  # a keep-alive connection for ordinary requests

    # -- helpers
    def keepalive(self, method, path, body=None, ctype="application/json", kind=None, expected=(200,)):
        data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
        for attempt in range(2):  # a keep-alive connection the server closed while idle: one retry, as clients do
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(HOST, self.port, timeout=300)
                headers = {"Content-Type": ctype} if data is not None else {}
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                payload = r.read()
                self.stats.record(kind or path, True, r.status, expected)
                return r.status, payload
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    self.stats.record(kind or path, True, type(e).__name__, expected)
            except (OSError, http.client.HTTPException) as e:
                if self.conn:
                    self.conn.close()
                self.conn = None
                self.stats.record(kind or path, True, type(e).__name__, expected)
                return None, b""
        return None, b""

    def raw(self, data, kind, well_formed, expected, drip=None, timeout=120):
        """Sends bytes on a new connection (all at once, or `drip` bytes at a time, 50 ms apart), reads the answer."""
        try:
            s = socket.create_connection((HOST, self.port), timeout=timeout)
            s.settimeout(timeout)
            try:
                if drip:
                    for i in range(0, len(data), drip):
                        s.sendall(data[i:i + drip])
                        time.sleep(0.05)
                else:
                    try:
                        s.sendall(data)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # refused early (413): the answer is still there to read
                status, _, body = read_response(s)
            finally:
                s.close()
            self.stats.record(kind, well_formed, status, expected)
            return status, body
        except (OSError, ValueError, IndexError) as e:
            self.stats.record(kind, well_formed, type(e).__name__, expected)
            return None, b""

    def head(self, method, path, extra=""):
        return f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n{extra}".encode()

    # -- traffic
    def completion(self):
        self.keepalive("POST", self.rng.choice(["/v1/completions", "/completions"]),
                       {"prompt": "Once upon a time", "max_tokens": self.rng.randint(1, 12)}, kind="completion",
                       expected=(200,))

    def chat(self):
        self.keepalive("POST", self.rng.choice(["/v1/chat/completions", "/chat/completions"]),
                       {"messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 8}, kind="chat",
                       expected=(200,))

    def stream(self, drop=False, slow=False):
        body = json.dumps({"messages": [{"role": "user", "content": "Count to ten"}], "max_tokens": 16,
                           "stream": True}).encode()
        data = self.head("POST", "/v1/chat/completions",
                         f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n") + body
        kind = "stream-dropped" if drop else "stream-slow-reader" if slow else "stream"
        try:
            s = socket.create_connection((HOST, self.port), timeout=300)
            s.settimeout(300)
            s.sendall(data)
            got = b""
            while b"\r\n\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            m = re.match(rb"HTTP/1\.[01] (\d+)", got)
            status = int(m.group(1)) if m else "no status"
            if drop:
                s.close()  # mid-stream: the server must notice and free the slot
            else:
                while True:
                    if slow:
                        time.sleep(0.2)
                    chunk = s.recv(256 if slow else 65536)
                    if not chunk:
                        break
                    got += chunk
                if status == 200 and b"[DONE]" not in got:
                    status = "stream without [DONE]"
                s.close()
            self.stats.record(kind, True, status, (200,))
        except OSError as e:
            self.stats.record(kind, True, type(e).__name__, (200,))

    def utility(self):
        choice = self.rng.randrange(10)
        if choice == 0:
            self.keepalive("POST", "/tokenize", {"content": "Hello world " * self.rng.randint(1, 50), "with_pieces": True})
        elif choice == 1:
            self.keepalive("POST", "/detokenize", {"tokens": [self.rng.randrange(49152) for _ in range(20)]})
        elif choice == 2:
            self.keepalive("POST", "/apply-template", {"messages": [{"role": "user", "content": "Hi"}]})
        elif choice == 3:
            self.keepalive("GET", "/v1/models")
        elif choice == 4:
            self.keepalive("GET", "/props")
        elif choice == 5:
            self.keepalive("GET", "/metrics")
        elif choice == 6:
            self.keepalive("GET", "/health")
        elif choice == 7:
            self.keepalive("GET", "/", kind="/ (playground)")
        elif choice == 8:
            # Not loaded by this server: a 400 naming the missing model, still an answer.
            path = self.rng.choice(["/v1/embeddings", "/embeddings", "/v1/translate", "/translate", "/v1/ner", "/ner"])
            self.keepalive("POST", path, {"input": "Hello there"}, expected=(200, 400))
        else:
            self.keepalive("POST", self.rng.choice(["/v1/attention", "/attention"]),
                           {"input": "The cat sat", "layers": "0", "heads": "0"}, kind="attention")

    def bad(self):
        choice = self.rng.randrange(6)
        if choice == 0:
            body = b'{"prompt": "x", "max_tokens": '
            self.raw(self.head("POST", "/v1/completions", f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                               "Connection: close\r\n\r\n") + body, "bad: malformed JSON", False, (400,))
        elif choice == 1:
            body = b'{"content": "hello"}'
            self.raw(self.head("POST", "/tokenize", f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                               "Connection: close\r\n\r\n") + body, "bad: text/plain", False, (415,))
        elif choice == 2:
            body = json.dumps({"content": "a" * (MAX_BODY + 1000)}).encode()
            self.raw(self.head("POST", "/tokenize", f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
                     + body, "bad: oversized", False, (413,))
        elif choice == 3:
            bomb = gzip.compress(json.dumps({"content": "a" * (4 * MAX_BODY)}).encode())
            self.raw(self.head("POST", "/tokenize", f"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                               f"Content-Length: {len(bomb)}\r\n\r\n") + bomb, "bad: gzip bomb", False, (413,))
        elif choice == 4:
            self.raw(self.head("POST", "/tokenize", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                     + b"zz\r\nhello\r\n0\r\n\r\n", "bad: chunk size", False, (400,))
        else:
            self.raw(self.head("POST", "/tokenize", "Content-Type: application/json\r\nContent-Length: 12\r\n"
                               "Content-Length: 13\r\n\r\n") + b'{"content":1}', "bad: two lengths", False, (400,))

    def slow(self):
        body = json.dumps({"content": "slowly " * self.rng.randint(1, 200)}).encode()
        data = self.head("POST", "/tokenize", f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                         "Connection: close\r\n\r\n") + body
        self.raw(data, "slow client", True, (200,), drip=max(1, len(data) // 30))

    def gzip_ok(self):
        body = gzip.compress(json.dumps({"content": "compressed hello " * 100}).encode())
        self.raw(self.head("POST", "/tokenize", "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                           f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n") + body, "gzip body", True, (200,))

    def run(self):
        actions = [(self.completion, 3), (self.chat, 2), (self.stream, 3), (lambda: self.stream(drop=True), 2),
                   (lambda: self.stream(slow=True), 1), (self.utility, 8), (self.bad, 4), (self.slow, 2),
                   (self.gzip_ok, 1)]
        fns, weights = zip(*actions)
        while time.time() < self.until:
            self.rng.choices(fns, weights)[0]()
        if self.conn:
            self.conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("loom", help="path to the loom binary")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--duration", type=float, default=1800, help="seconds of traffic (default 1800)")
    ap.add_argument("--warmup", type=float, default=None, help="seconds before the first RSS reading "
                    "(default: a tenth of the duration, at least 10)")
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--threads", type=int, default=1, help="compute threads of the server")
    ap.add_argument("--rss-tolerance", type=float, default=0.10)
    ap.add_argument("--out", help="also write the JSON summary here")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    warmup = a.warmup if a.warmup is not None else max(10.0, a.duration / 10)

    log_path = f"/tmp/loom_soak_{os.getpid()}.log"
    log = open(log_path, "w+")
    env = {**os.environ, "LOOM_LOG": "error"}
    proc = subprocess.Popen([a.loom, "serve", "-m", a.model, "--port", "0", "-t", str(a.threads), "--slots", "2",
                             "--ctx", "512", "--max-body", str(MAX_BODY)], stdout=log, stderr=log, env=env)
    port, deadline = None, time.time() + 120
    while port is None and time.time() < deadline and proc.poll() is None:
        m = re.search(r"on http://[^:]+:(\d+)", open(log_path).read())
        port = int(m.group(1)) if m else None
        time.sleep(0.05)
    if port is None:
        proc.kill()
        print(open(log_path).read()[-2000:], file=sys.stderr)
        sys.exit("loom serve did not start")

    stats = Stats()
    start = time.time()
    until = start + a.duration
    clients = [Client(port, stats, until, a.seed * 1000 + i) for i in range(a.clients)]
    for c in clients:
        c.start()
    rss_warm, rss_samples, crashed_at = None, [], None
    while time.time() < until:
        time.sleep(min(5.0, max(0.0, until - time.time())))
        if proc.poll() is not None:
            crashed_at = time.time() - start
            break
        r = rss_mb(proc.pid)
        rss_samples.append(round(r, 1) if r else r)
        if rss_warm is None and time.time() - start >= warmup:
            rss_warm = r
    for c in clients:
        c.join(timeout=400)  # each in-flight request is bounded by the server's 300 s time limit
    stuck = sum(c.is_alive() for c in clients)
    rss_end = rss_mb(proc.pid) if proc.poll() is None else None
    exit_code = None
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            exit_code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            exit_code = "hung after SIGTERM"
    else:
        exit_code = proc.returncode
    crashes = 0 if (crashed_at is None and exit_code == 0) else 1
    change = (rss_end - rss_warm) / rss_warm if (rss_end and rss_warm) else None
    summary = {
        "command": " ".join(sys.argv),
        "duration_s": round(time.time() - start, 1),
        "crashes": crashes,
        "server_exit": exit_code,
        "crashed_at_s": crashed_at,
        "clients_stuck": stuck,
        "rss_mb_after_warmup": round(rss_warm, 1) if rss_warm else None,
        "rss_mb_end": round(rss_end, 1) if rss_end else None,
        "rss_mb_max": max((r for r in rss_samples if r), default=None),
        "rss_change": round(change, 4) if change is not None else None,
        "well_formed_sent": stats.well_formed_sent,
        "well_formed_answered": stats.well_formed_answered,
        "bad_sent": stats.bad_sent,
        "bad_answered": stats.bad_answered,
        "unexpected": stats.unexpected[:50],
        "statuses": {k: dict(v) for k, v in sorted(stats.by_kind.items())},
    }
    ok = (crashes == 0 and stuck == 0 and change is not None and abs(change) <= a.rss_tolerance
          and stats.well_formed_answered == stats.well_formed_sent and not stats.unexpected)
    summary["ok"] = ok
    text = json.dumps(summary, indent=1)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    if not ok:
        print("server log tail:\n" + open(log_path).read()[-3000:], file=sys.stderr)
    os.remove(log_path)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
