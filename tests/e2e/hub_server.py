#!/usr/bin/env python3
"""A local stand-in for the Hugging Face hub, for loom pull tests (loopback only; no test reaches the internet).

Serves the URL layout and headers loom's hub client uses:
  GET  /api/models/ORG/REPO[/revision/REV]   -> {"id", "sha", "siblings": [{"rfilename", "size", "lfs"?}]}
  GET|HEAD /ORG/REPO/resolve/REV/FILE         -> the file; Range (bytes=N- / N-M) -> 206; Accept-Ranges,
                                                 ETag, X-Repo-Commit; LFS files also X-Linked-Size/-Etag
Errors as the hub answers them: 404 with X-Error-Code RepoNotFound / EntryNotFound; a gated repo without a
valid "Authorization: Bearer" token -> 401 (no token) or 403 (wrong token), X-Error-Code GatedRepo.

Files come from ROOT/ORG/REPO/...; *.gguf and *.safetensors are listed as LFS files with their sha256.
Test switches:
  --gated ORG/REPO --token T    the repo needs token T
  --drop-after N                the first GET of each LFS file sends N bytes, then drops the connection
  --lie-sha256 ORG/REPO/FILE    the metadata lists a wrong sha256 for FILE (a corrupted download)
  --list-extra ORG/REPO=NAME    the metadata also lists NAME (a hostile hub: "../../x.gguf", "/abs/x.gguf")
Request paths are percent-decoded, as the hub does: a file named "a?b.gguf" is asked for as "a%3Fb.gguf".
The chosen port is printed on stdout ("PORT 12345") once the server listens.

    python3 tests/e2e/hub_server.py --root DIR [--port 0] [...]
"""
import argparse
import hashlib
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LFS_SUFFIXES = (".gguf", ".safetensors")


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class HubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    dropped = set()  # files whose first GET was already cut short
    lock = threading.Lock()

    def log_message(self, fmt, *a):  # quiet: tests read loom's output, not ours
        pass

    def send_error_headers(self, status, code, message):
        body = json.dumps({"error": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def repo_path(self, org, repo):
        return os.path.join(self.args.root, org, repo)

    def authorised(self, repo_id):
        if repo_id not in self.args.gated:
            return True
        auth = self.headers.get("Authorization", "")
        if not auth:
            self.send_error_headers(401, "GatedRepo", f"Access to model {repo_id} is restricted.")
            return False
        if auth != f"Bearer {self.args.token}":
            self.send_error_headers(403, "GatedRepo", f"Access to model {repo_id} is restricted.")
            return False
        return True

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        parts = [unquote(p) for p in self.path.split("?")[0].strip("/").split("/")]
        if len(parts) >= 4 and parts[0] == "api" and parts[1] == "models":
            return self.model_info(parts[2], parts[3])
        if len(parts) >= 5 and parts[2] == "resolve":
            return self.resolve(parts[0], parts[1], "/".join(parts[4:]))
        self.send_error_headers(404, "NotFound", "unknown route")

    def model_info(self, org, repo):
        repo_id = f"{org}/{repo}"
        root = self.repo_path(org, repo)
        if not os.path.isdir(root):
            return self.send_error_headers(404, "RepoNotFound", f"Repository {repo_id} not found")
        if not self.authorised(repo_id):
            return
        siblings = []
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                entry = {"rfilename": rel, "size": os.path.getsize(full)}
                if rel.endswith(LFS_SUFFIXES):
                    sha = sha256_of(full)
                    if f"{repo_id}/{rel}" in self.args.lie_sha256:
                        sha = "0" * 64
                    entry["lfs"] = {"sha256": sha, "size": os.path.getsize(full), "pointerSize": 134}
                siblings.append(entry)
        for extra in self.args.list_extra:
            listed_repo, _, name = extra.partition("=")
            if listed_repo == repo_id:
                siblings.append({"rfilename": name, "size": 10, "lfs": {"sha256": "0" * 64, "size": 10}})
        body = json.dumps({"id": repo_id, "sha": COMMIT, "gated": repo_id in self.args.gated,
                           "siblings": siblings}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def resolve(self, org, repo, rel):
        repo_id = f"{org}/{repo}"
        root = self.repo_path(org, repo)
        if not os.path.isdir(root):
            return self.send_error_headers(404, "RepoNotFound", f"Repository {repo_id} not found")
        if not self.authorised(repo_id):
            return
        full = os.path.normpath(os.path.join(root, rel))
        if not full.startswith(root + os.sep) or not os.path.isfile(full):
            return self.send_error_headers(404, "EntryNotFound", f"{rel} does not exist")
        size = os.path.getsize(full)
        start, end = 0, size - 1
        status = 200
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            lo, _, hi = rng[len("bytes="):].partition("-")
            start = int(lo) if lo else 0
            end = int(hi) if hi else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{COMMIT[:8]}-{size}"')
        self.send_header("X-Repo-Commit", COMMIT)
        if rel.endswith(LFS_SUFFIXES):
            self.send_header("X-Linked-Size", str(size))
            self.send_header("X-Linked-Etag", f'"{COMMIT[:8]}"')
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            return
        limit = end - start + 1
        key = (repo_id, rel)
        with self.lock:
            drop = (self.args.drop_after is not None and rel.endswith(LFS_SUFFIXES) and key not in self.dropped
                    and status == 200)
            if drop:
                self.dropped.add(key)
                limit = min(limit, self.args.drop_after)
        with open(full, "rb") as f:
            f.seek(start)
            remaining = limit
            while remaining > 0:
                chunk = f.read(min(remaining, 64 * 1024))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)
        if drop:
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # the client sees a short body: an interrupted transfer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--gated", action="append", default=[])
    parser.add_argument("--token", default="")
    parser.add_argument("--drop-after", type=int, default=None)
    parser.add_argument("--lie-sha256", action="append", default=[])
    parser.add_argument("--list-extra", action="append", default=[])
    args = parser.parse_args()
    args.root = os.path.abspath(args.root)
    HubHandler.args = args
    server = ThreadingHTTPServer(("127.0.0.1", args.port), HubHandler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
