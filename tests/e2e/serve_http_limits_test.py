"""HTTP transport limits of `loom serve` (issue 15, items 3, 4, 8): body limits on decoded bytes for chunked and
gzip bodies, conflicting or non-numeric Content-Length, pipelined requests, slowloris heads and slow small and
large bodies (deadlines, no worker held), the per-client rate limit and connection cap, a body deadline, the cap on connections held while their head arrives, and SIGTERM ending
half-sent connections at once. Every wait is bounded; sockets go to 127.0.0.1 only.
Usage: python3 tests/e2e/serve_http_limits_test.py path/to/loom"""
import gzip
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from serve_helpers import Checks, Server, default_model  # noqa: E402

loom = sys.argv[1]
t = Checks("serve_http_limits")
MAX_BODY = 65536
# One slot, one queue place: 18 HTTP workers, the configuration 18 slow connections used to block.
server = Server(loom, "-m", default_model(), "--slots", "1", "--max-queue", "1", "--ctx", "256",
                "--max-body", str(MAX_BODY), "--header-timeout", "2", "--body-timeout", "3",
                "--max-pending-connections", "64")
host, port = "127.0.0.1", server.port


def connect(timeout=15):
    s = socket.create_connection((host, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_response(s):
    """Reads one response (head + Content-Length or chunked body) from a socket; returns (status, body, rest)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else None
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, rest[:length].decode(errors="replace"), rest[length:]


def send_quietly(s, data):
    """Sends what the server will take: it may answer and stop reading before the end (that is the point)."""
    try:
        s.sendall(data)
    except OSError:
        pass


def quick_post(to_port, path, body, timeout=10):
    """POST with a short client timeout (a blocked server fails the check instead of stalling the test)."""
    data = json.dumps(body).encode()
    s = socket.create_connection((host, to_port), timeout=timeout)
    s.settimeout(timeout)
    try:
        s.sendall((f"POST {path} HTTP/1.1\r\nHost: {host}:{to_port}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode() + data)
        status, text, _ = read_response(s)
        return status, text
    except OSError as e:
        return type(e).__name__, ""
    finally:
        s.close()


def request_head(path="/tokenize", extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n{extra}").encode()


def chunked(data, size=4096):
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def tokenize_body(n):
    return json.dumps({"content": "a" * n}).encode()


def chunked_bodies():
    # Within the limit: decoded and served.
    s = connect()
    s.sendall(request_head(extra="Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n") +
              chunked(json.dumps({"content": "Hello world"}).encode(), 5))
    status, body, _ = read_response(s)
    t.check(status == 200 and json.loads(body)["tokens"], f"small chunked body: {status} {body[:200]}")
    s.close()
    # 1 MiB chunked, the limit is 64 KiB: 413 before the end (today's main read 64 MB).
    s = connect()
    sender = threading.Thread(target=send_quietly, args=(s, request_head(
        extra="Transfer-Encoding: chunked\r\n\r\n") + chunked(tokenize_body(1 << 20))))
    sender.start()
    status, body, _ = read_response(s)
    t.check(status == 413, f"1 MiB chunked body with --max-body {MAX_BODY}: {status} {body[:200]}")
    sender.join(20)
    s.close()


def gzip_bodies():
    small = gzip.compress(json.dumps({"content": "Hello gzip"}).encode())
    s = connect()
    s.sendall(request_head(extra=f"Content-Encoding: gzip\r\nContent-Length: {len(small)}\r\nConnection: close\r\n\r\n")
              + small)
    status, body, _ = read_response(s)
    t.check(status == 200 and json.loads(body)["tokens"], f"small gzip body: {status} {body[:200]}")
    s.close()
    # 4 MiB of JSON compressed to a few KiB: the limit counts the decoded bytes.
    bomb = gzip.compress(tokenize_body(4 << 20))
    t.check(len(bomb) < MAX_BODY, f"compressed size {len(bomb)} is under the limit")
    s = connect()
    send_quietly(s, request_head(extra=f"Content-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n") + bomb)
    status, body, _ = read_response(s)
    t.check(status == 413, f"gzip body of 4 MiB decoded, {len(bomb)} B on the wire: {status} {body[:200]}")
    s.close()
    # gzip inside chunked, the same.
    s = connect()
    send_quietly(s, request_head(extra="Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n") + chunked(bomb))
    status, body, _ = read_response(s)
    t.check(status == 413, f"chunked gzip body of 4 MiB decoded: {status} {body[:200]}")
    s.close()


def expect_continue():
    """curl sends "Expect: 100-continue" before large bodies: the server says 100 Continue, or refuses at once."""
    body = json.dumps({"content": "after 100"}).encode()
    s = connect()
    s.sendall(request_head(extra=f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"))
    interim = s.recv(64)
    t.check(interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), f"100 Continue before the body: {interim!r}")
    s.sendall(body)
    status, text, _ = read_response_with(s, interim[len(b"HTTP/1.1 100 Continue\r\n\r\n"):])
    t.check(status == 200, f"the request after 100 Continue: {status} {text[:200]}")
    s.close()
    s = connect()
    s.sendall(request_head(extra=f"Expect: 100-continue\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n"))
    status, text, _ = read_response(s)  # no body sent: the answer comes from the head alone
    t.check(status == 413, f"a body announced over the limit, with Expect: {status} {text[:200]}")
    s.close()


def content_length_checks():
    body = json.dumps({"content": "hi"}).encode()
    cases = {
        "conflicting Content-Length": f"Content-Length: {len(body)}\r\nContent-Length: 5\r\n",
        "Content-Length: abc": "Content-Length: abc\r\n",
        "Content-Length: 1,2": "Content-Length: 1, 2\r\n",
        "chunked and Content-Length": f"Content-Length: {len(body)}\r\nTransfer-Encoding: chunked\r\n",
    }
    for what, headers in cases.items():
        s = connect()
        send_quietly(s, request_head(extra=headers + "Connection: close\r\n\r\n") + body)
        status, text, _ = read_response(s)
        t.check(status == 400 and ("Content-Length" in text or "Transfer-Encoding" in text),
                f"{what}: {status} {text[:200]}")
        s.close()
    # The same value twice is one length (RFC 9112), served.
    s = connect()
    s.sendall(request_head(extra=f"Content-Length: {len(body)}\r\nContent-Length: {len(body)}\r\n"
                                 "Connection: close\r\n\r\n") + body)
    status, text, _ = read_response(s)
    t.check(status == 200, f"repeated equal Content-Length: {status} {text[:200]}")
    s.close()


def pipelined():
    bodies = [json.dumps({"content": w}).encode() for w in ("one", "two two", "three three three")]
    data = b"".join(request_head(extra=f"Content-Length: {len(b)}\r\n\r\n") + b for b in bodies)
    s = connect()
    s.sendall(data)  # three requests in one write, then wait for three answers on the same connection
    rest, answers = b"", []
    for _ in bodies:
        status, text, rest_now = read_response_with(s, rest)
        rest = rest_now
        answers.append((status, len(json.loads(text)["tokens"]) if status == 200 else text))
    t.check([a[0] for a in answers] == [200, 200, 200], f"three pipelined requests answered: {answers}")
    if all(a[0] == 200 for a in answers):
        t.check([a[1] for a in answers] == sorted(a[1] for a in answers), f"in order: {answers}")
    s.close()


def read_response_with(s, already):
    """read_response for a socket whose first bytes were already read (pipelined answers)."""
    class Prefixed:
        def __init__(self):
            self.first = already

        def recv(self, n):
            if self.first:
                out, self.first = self.first, b""
                return out
            return s.recv(n)
    return read_response(Prefixed())


def slowloris():
    """100 connections sending a head one byte at a time: no worker is held, others are served at once, and
    the server closes each slow one at its header deadline (2 s) instead of waiting for it."""
    slow = []
    for _ in range(100):
        s = connect(timeout=30)
        s.sendall(b"POST /tokenize HTTP/1.1\r\nHo")
        slow.append(s)
    stop = threading.Event()

    def drip():
        for _ in range(40):  # at most 20 s
            if stop.wait(0.5):
                return
            for s in slow:
                send_quietly(s, b"s")

    dripper = threading.Thread(target=drip)
    dripper.start()
    try:
        time.sleep(0.5)
        start = time.time()
        code, body = quick_post(port, "/tokenize", {"content": "still served"})
        took = time.time() - start
        t.check(code == 200 and took < 5, f"a request beside 100 slow heads: {code} in {took:.1f} s")
        # Each slow connection is answered 408 (or closed) at its deadline; allow 5x the 2 s deadline.
        deadline = time.time() + 10
        closed = 0
        for s in slow:
            s.settimeout(max(0.1, deadline - time.time()))
            try:
                got = s.recv(4096)
                closed += 1 if (got == b"" or got.startswith(b"HTTP/1.1 408")) else 0
            except ConnectionResetError:
                closed += 1
            except OSError:
                pass
        t.check(closed == len(slow), f"slow heads ended by the server within 10 s: {closed} / {len(slow)}")
    finally:
        stop.set()
        dripper.join()
        for s in slow:
            s.close()


def slow_bodies():
    """100 connections whose heads arrived whole and whose small bodies drip: read by the intake too, so they
    hold no worker (18 here) either; each is answered 408 at its body deadline (3 s)."""
    slow = []
    for _ in range(100):
        s = connect(timeout=30)
        s.sendall(request_head(extra="Content-Length: 1000\r\n\r\n") + b'{"content": "')
        slow.append(s)
    stop = threading.Event()

    def drip():
        for _ in range(40):  # at most 20 s
            if stop.wait(0.5):
                return
            for s in slow:
                send_quietly(s, b"a")

    dripper = threading.Thread(target=drip)
    dripper.start()
    try:
        time.sleep(0.5)
        start = time.time()
        code, _ = quick_post(port, "/tokenize", {"content": "beside slow bodies"})
        took = time.time() - start
        t.check(code == 200 and took < 5, f"a request beside 100 slow bodies: {code} in {took:.1f} s")
        deadline = time.time() + 15
        ended = 0
        for s in slow:
            s.settimeout(max(0.1, deadline - time.time()))
            try:
                got = s.recv(4096)
                ended += 1 if (got == b"" or got.startswith(b"HTTP/1.1 408")) else 0
            except ConnectionResetError:
                ended += 1
            except OSError:
                pass
        t.check(ended == len(slow), f"slow bodies ended by the server within 15 s: {ended} / {len(slow)}")
    finally:
        stop.set()
        dripper.join()
        for s in slow:
            s.close()


def slow_large_bodies():
    """24 connections whose large bodies (500 KB announced, over the intake's 64 KiB small-body size) drip in:
    the intake reads them too, so they hold none of the 18 HTTP workers, and a normal request beside them is
    answered at once (before, each held a worker until its body deadline, here 30 s). With --max-body 64 MiB
    the intake has 16 places for large bodies (256 MiB / 64 MiB): 8 of the slow ones wait unread. Once the
    slow clients hang up, the places are freed and a large body that arrives whole is served."""
    big = Server(loom, "-m", default_model(), "--slots", "1", "--max-queue", "1", "--ctx", "256",
                 "--max-body", str(64 << 20), "--body-timeout", "30")
    slow = []
    try:
        for _ in range(24):
            s = socket.create_connection((host, big.port), timeout=30)
            s.sendall((f"POST /tokenize HTTP/1.1\r\nHost: {host}:{big.port}\r\nContent-Type: application/json\r\n"
                       "Content-Length: 500000\r\n\r\n").encode() + b'{"content": "' + b"a" * 70000)
            slow.append(s)
        stop = threading.Event()

        def drip():
            for _ in range(40):  # at most 20 s
                if stop.wait(0.5):
                    return
                for s in slow:
                    send_quietly(s, b"a")

        dripper = threading.Thread(target=drip)
        dripper.start()
        try:
            time.sleep(1)
            start = time.time()
            code, body = quick_post(big.port, "/tokenize", {"content": "beside slow large bodies"})
            took = time.time() - start
            t.check(code == 200 and took < 5, f"a request beside 24 slow 500 KB bodies: {code} in {took:.1f} s")
        finally:
            stop.set()
            dripper.join()
            for s in slow:
                s.close()
        text = "word " * 60000  # 300 KB, sent at once: needs a place, free once the slow ones are gone
        code, body = quick_post(big.port, "/tokenize", {"content": text}, timeout=20)
        t.check(code == 200 and len(json.loads(body)["tokens"]) > 1000,
                f"a 300 KB body after the slow ones hung up: {code} {body[:120]}")
    finally:
        for s in slow:
            s.close()
        t.check(big.stop() == 0, "the large-body server exits 0 on SIGTERM")


def client_limits():
    """--rate-limit 5: a burst of 5 requests is served and the 6th gets 429 with Retry-After and an OpenAI
    error object (the window is a minute, the burst takes well under one token's 12 s); /health is not
    counted. --max-client-connections 3: a 4th connection gets 429 at once, and once one closes another
    connection is accepted."""
    limited = Server(loom, "-m", default_model(), "--ctx", "256", "--rate-limit", "5",
                     "--max-client-connections", "3")
    try:
        codes = [quick_post(limited.port, "/tokenize", {"content": f"burst {i}"})[0] for i in range(5)]
        t.check(codes == [200] * 5, f"a burst of 5 with --rate-limit 5: {codes}")
        s = socket.create_connection((host, limited.port), timeout=15)
        s.settimeout(15)
        data = json.dumps({"content": "one too many"}).encode()
        s.sendall((f"POST /tokenize HTTP/1.1\r\nHost: {host}:{limited.port}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = s.recv(4096)
            if not chunk:
                break
            raw += chunk
        status, text, _ = read_response_with(s, raw)
        s.close()
        head = raw.split(b"\r\n\r\n")[0].decode(errors="replace").lower()
        retry = [ln.split(":", 1)[1].strip() for ln in head.split("\r\n") if ln.startswith("retry-after:")]
        ok_json = False
        try:
            err = json.loads(text)["error"]
            ok_json = err["type"] == "rate_limit_error" and "rate limit" in err["message"]
        except (ValueError, KeyError, TypeError):
            pass
        t.check(status == 429 and retry and 1 <= int(retry[0]) <= 12 and ok_json,
                f"the 6th request: {status}, Retry-After {retry}, {text[:200]}")
        t.check(limited.get("/health")[0] == 200, "/health is not rate-limited")
        # The connection cap (health probes only, which take no token).
        held = [socket.create_connection((host, limited.port), timeout=15) for _ in range(3)]
        fourth = socket.create_connection((host, limited.port), timeout=15)
        fourth.settimeout(15)
        status, text, _ = read_response(fourth)
        fourth.close()
        t.check(status == 429 and "too many connections" in text, f"a 4th connection with a cap of 3: {status} {text[:200]}")
        held.pop().close()
        served = None
        for _ in range(50):  # the server notices the close within a poll round; 10 s at most
            s = socket.create_connection((host, limited.port), timeout=15)
            s.settimeout(15)
            s.sendall(f"GET /health HTTP/1.1\r\nHost: {host}:{limited.port}\r\nConnection: close\r\n\r\n".encode())
            served, _, _ = read_response(s)
            s.close()
            if served == 200:
                break
            time.sleep(0.2)
        t.check(served == 200, f"a connection after one of the 3 closed: {served}")
        for s in held:
            s.close()
    finally:
        t.check(limited.stop() == 0, "the rate-limited server exits 0 on SIGTERM")


def body_deadline():
    s = connect()
    s.sendall(request_head(extra="Content-Length: 100\r\n\r\n") + b'{"content":')
    start = time.time()
    status, text, _ = read_response(s)
    took = time.time() - start
    t.check(status == 408 and took < 10, f"a body that stops arriving: {status} after {took:.1f} s ({text[:120]})")
    s.close()


def sigterm_with_half_sent_heads():
    """The pending-connection cap, then SIGTERM ending half-sent connections at once (before, 3 of them kept
    the process alive until they hung up)."""
    other = Server(loom, "-m", default_model(), "--ctx", "256", "--max-pending-connections", "16")
    # Connections that say nothing: beyond the cap of 16 the oldest are closed at once (the header timeout,
    # 10 s by default, would take far longer), and a new request is served.
    idle = [socket.create_connection((host, other.port), timeout=30) for _ in range(40)]
    code, _ = quick_post(other.port, "/tokenize", {"content": "after the silent ones"})
    t.check(code == 200, f"a request beside 40 silent connections (cap 16): {code}")
    closed = 0
    for s in idle[:20]:
        s.settimeout(3)  # eviction is immediate; silent connections would otherwise last 5-10 s
        try:
            closed += 1 if s.recv(1) == b"" else 0
        except ConnectionResetError:
            closed += 1
        except OSError:
            pass
    t.check(closed == 20, f"the oldest silent connections were closed within 3 s: {closed} / 20")
    for s in idle:
        s.close()
    half = []
    for _ in range(3):
        s = socket.create_connection((host, other.port), timeout=30)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        half.append(s)
    time.sleep(0.3)
    start = time.time()
    code = other.stop(timeout=8)
    t.check(code == 0 and time.time() - start < 8,
            f"SIGTERM with 3 half-sent heads: exit {code} after {time.time() - start:.1f} s")
    for s in half:
        s.close()


for name, fn in [("chunked bodies", chunked_bodies), ("gzip bodies", gzip_bodies),
                 ("Expect: 100-continue", expect_continue), ("Content-Length checks", content_length_checks), ("pipelined requests", pipelined),
                 ("slowloris", slowloris), ("slow bodies", slow_bodies), ("slow large bodies", slow_large_bodies),
                 ("per-client limits", client_limits), ("body deadline", body_deadline),
                 ("SIGTERM with half-sent heads", sigterm_with_half_sent_heads)]:
    t.run(name, fn)
t.check(server.get("/health")[0] == 200, "/health at the end")
t.check(server.stop() == 0, "exit code 0 on SIGTERM")
t.finish()
