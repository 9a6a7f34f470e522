"""Browser safety and API keys of `loom serve` (issue 15, item 7): JSON routes take only application/json
(so no web page can post to them without a CORS preflight), a keyless loopback server checks the Host header
(DNS rebinding), cross-origin requests are refused unless --cors-origins lists the origin (which then gets
CORS headers and preflight answers), keys need "Bearer", and keys come from --api-key (several),
--api-key-file and LOOM_API_KEY.
Usage: python3 tests/e2e/serve_access_test.py path/to/loom"""
import json
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from serve_helpers import Checks, Server, default_model  # noqa: E402

loom = sys.argv[1]
t = Checks("serve_access")
BODY = json.dumps({"content": "Hello"}).encode()


def raw(port, method, path, headers, body=b""):
    """One request with exactly these headers (Host included); returns (status, headers, body)."""
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.settimeout(30)
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    head_lines = head.decode(errors="replace").split("\r\n")
    got = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in head_lines[1:])}
    return int(head_lines[0].split()[1]), got, rest.decode(errors="replace")


def keyless_loopback():
    server = Server(loom, "-m", default_model(), "--ctx", "256")
    port = server.port
    own = f"127.0.0.1:{port}"
    json_type = {"Content-Type": "application/json"}
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        status, _, body = raw(port, "POST", "/tokenize", {"Host": own, "Content-Type": content_type}, BODY)
        t.check(status == 415 and "application/json" in body, f"POST as {content_type}: {status} {body[:160]}")
    status, _, body = raw(port, "POST", "/v1/completions", {"Host": own},
                          json.dumps({"prompt": "Hi", "max_tokens": 1}).encode())
    t.check(status == 415, f"POST without Content-Type: {status} {body[:160]}")
    status, _, body = raw(port, "POST", "/tokenize", {"Host": own, "Content-Type": "application/json; charset=utf-8"},
                          BODY)
    t.check(status == 200, f"application/json; charset=utf-8: {status} {body[:160]}")

    for host in (own, f"localhost:{port}", f"[::1]:{port}", "127.0.0.1", "LOCALHOST:" + str(port)):
        status, _, body = raw(port, "POST", "/tokenize", {"Host": host, **json_type}, BODY)
        t.check(status == 200, f"Host {host}: {status} {body[:160]}")
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", f"localhost.evil.example:{port}"):
        status, _, body = raw(port, "POST", "/tokenize", {"Host": host, **json_type}, BODY)
        t.check(status == 403 and "--allowed-hosts" in body, f"Host {host} (DNS rebinding): {status} {body[:160]}")
        status, _, _ = raw(port, "GET", "/v1/models", {"Host": host})
        t.check(status == 403, f"GET /v1/models with Host {host}: {status}")

    # Same origin (the playground) passes; another origin is refused, with no CORS header to read it by.
    status, headers, body = raw(port, "POST", "/tokenize", {"Host": own, "Origin": f"http://{own}", **json_type}, BODY)
    t.check(status == 200, f"same-origin POST: {status} {body[:160]}")
    status, headers, body = raw(port, "POST", "/tokenize",
                                {"Host": own, "Origin": "http://evil.example", **json_type}, BODY)
    t.check(status == 403 and "access-control-allow-origin" not in headers, f"cross-origin POST: {status} {headers}")
    status, headers, _ = raw(port, "OPTIONS", "/v1/completions",
                             {"Host": own, "Origin": "http://evil.example",
                              "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    t.check(status == 403 and "access-control-allow-origin" not in headers, f"cross-origin preflight: {status}")
    status, _, body = raw(port, "GET", "/", {"Host": own})
    t.check(status == 200 and "<html" in body.lower(), f"playground page: {status}")
    t.check(server.stop() == 0, "keyless server exit 0")


def keys_and_cors():
    key_file = tempfile.NamedTemporaryFile("w", suffix=".keys", delete=False)
    key_file.write("# loom keys\n\nkey-from-file\n")
    key_file.close()
    os.environ["LOOM_API_KEY"] = "key-from-env"
    try:
        server = Server(loom, "-m", default_model(), "--ctx", "256", "--api-key", "key-one", "--api-key", "key-two",
                        "--api-key-file", key_file.name, "--cors-origins", "http://app.example,http://other.example",
                        "--allowed-hosts", "loom.internal")
    finally:
        del os.environ["LOOM_API_KEY"]
        os.unlink(key_file.name)
    port = server.port
    own = f"127.0.0.1:{port}"
    base = {"Host": own, "Content-Type": "application/json"}
    for key in ("key-one", "key-two", "key-from-file", "key-from-env"):
        status, _, body = raw(port, "POST", "/tokenize", {**base, "Authorization": f"Bearer {key}"}, BODY)
        t.check(status == 200, f"Bearer {key}: {status} {body[:160]}")
    for auth in ("key-one", "Basic key-one", "Bearer wrong", "Bearer ", "Bearer key-on", None):
        headers = dict(base)
        if auth is not None:
            headers["Authorization"] = auth
        status, _, body = raw(port, "POST", "/tokenize", headers, BODY)
        t.check(status == 401 and "invalid_api_key" in body, f"Authorization {auth!r}: {status} {body[:160]}")
    for path in ("/", "/health"):
        status, _, _ = raw(port, "GET", path, {"Host": own})
        t.check(status == 200, f"GET {path} without a key: {status}")

    preflight = {"Host": own, "Origin": "http://app.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    status, headers, _ = raw(port, "OPTIONS", "/v1/completions", preflight)
    t.check(status == 204 and headers.get("access-control-allow-origin") == "http://app.example"
            and "authorization" in headers.get("access-control-allow-headers", "").lower(),
            f"preflight from a listed origin: {status} {headers}")
    status, headers, body = raw(port, "POST", "/tokenize", {**base, "Origin": "http://app.example",
                                                            "Authorization": "Bearer key-one"}, BODY)
    t.check(status == 200 and headers.get("access-control-allow-origin") == "http://app.example",
            f"POST from a listed origin: {status} {headers}")
    status, headers, _ = raw(port, "POST", "/tokenize", {**base, "Origin": "http://evil.example",
                                                         "Authorization": "Bearer key-one"}, BODY)
    t.check(status == 403, f"POST from an unlisted origin: {status}")
    status, _, body = raw(port, "POST", "/tokenize", {**base, "Host": f"loom.internal:{port}",
                                                      "Authorization": "Bearer key-one"}, BODY)
    t.check(status == 200, f"Host from --allowed-hosts: {status} {body[:160]}")
    status, _, _ = raw(port, "POST", "/tokenize", {**base, "Host": "evil.example",
                                                   "Authorization": "Bearer key-one"}, BODY)
    t.check(status == 403, f"Host outside --allowed-hosts: {status}")
    t.check(server.stop() == 0, "keyed server exit 0")


def bad_key_file():
    import subprocess
    r = subprocess.run([loom, "serve", "--port", "0", "--api-key-file", "/nonexistent/keys"], capture_output=True,
                       text=True, timeout=120)
    t.check(r.returncode != 0 and "--api-key-file" in r.stderr and len(r.stderr.strip().splitlines()) <= 2,
            f"unreadable --api-key-file: exit {r.returncode}, {r.stderr.strip()[:200]}")


for name, fn in [("keyless loopback server", keyless_loopback), ("keys and CORS", keys_and_cors),
                 ("unreadable key file", bad_key_file)]:
    t.run(name, fn)
t.finish()
