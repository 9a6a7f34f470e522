"""Helpers for the `loom serve` end-to-end tests: start a server on a free loopback port, wait until it
answers, stop it with SIGTERM (expecting exit 0), read its resident memory."""
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

DEFAULT_MODEL = "models/SmolLM2-135M-Instruct.Q4_1.gguf"


class Server:
    def __init__(self, loom, *args, timeout=60, env=None):
        self.log_path = f"/tmp/loom_serve_{os.getpid()}_{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "w+")
        # One compute thread unless told otherwise: these tests check behaviour, not speed, and a loaded CI
        # machine gives a second compute thread little.
        env = {**os.environ, **(env or {})}
        env.setdefault("OMP_NUM_THREADS", "1")
        self.proc = subprocess.Popen([loom, "serve", "--port", "0", "-t", env["OMP_NUM_THREADS"], *args], stdout=self.log, stderr=self.log,
                                     env=env)
        deadline = time.time() + timeout
        self.port = None
        while time.time() < deadline and self.port is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"loom serve exited {self.proc.returncode}: {self.output()}")
            m = re.search(r"on http://[^:]+:(\d+)", self.output())
            if m:
                self.port = int(m.group(1))
            time.sleep(0.05)
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("loom serve did not start: " + self.output())
        self.base = f"http://127.0.0.1:{self.port}"

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def get(self, path, headers=None):
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def post(self, path, body, headers=None, raw=False):
        data = body if raw else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def request(self, method, path, data=None, headers=None):
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return 0.0

    def metric(self, name):
        _, text, _ = self.get("/metrics")
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise KeyError(name)

    def stop(self, timeout=30):
        """SIGTERM; returns the exit code (the server must exit by itself within `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        self.log.close()
        return self.proc.returncode


def default_model():
    if not os.path.exists(DEFAULT_MODEL):
        raise SystemExit(f"FAIL: missing {DEFAULT_MODEL} (run scripts/fetch_default_model.sh)")
    return DEFAULT_MODEL


class Checks:
    """Counts failures instead of stopping at the first, so one run reports everything."""

    def __init__(self, name):
        self.name, self.failures, self.passed = name, 0, 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures += 1
            print(f"{self.name}: FAIL: {what}", flush=True)

    def run(self, what, fn):
        try:
            fn()
        except Exception as e:  # a test function that raises is one failure, the rest still run
            self.check(False, f"{what}: {type(e).__name__}: {e}")

    def finish(self):
        print(f"{self.name}: {self.passed} checks passed, {self.failures} failed", flush=True)
        raise SystemExit(1 if self.failures else 0)
