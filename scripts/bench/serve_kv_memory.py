#!/usr/bin/env python3
"""64 concurrent short chats against `loom serve` with the given flags (issue 20's memory check): how many
finish, the wall time, the peak of concurrent sequences and of KV blocks in use (polled from /metrics every
0.2 s), preemptions, and the server's resident memory after.

    python3 scripts/bench/serve_kv_memory.py --parallel 64 --kv-memory 720M   # 4 x 4096 positions of SmolLM2-135M
    python3 scripts/bench/serve_kv_memory.py --parallel 4                       # the default memory, 4 at a time

Every argument goes to `loom serve` (after -m MODEL --ctx 4096); run from the repository root, build/loom."""
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "e2e"))
from serve_helpers import Server  # noqa: E402

LOOM, MODEL, N = "build/loom", "models/SmolLM2-135M-Instruct.Q4_1.gguf", 64


def main():
    flags = sys.argv[1:]
    server = Server(LOOM, "-m", MODEL, "--ctx", "4096", "--timeout", "600", "--max-queue", "256", *flags,
                    env={"OMP_NUM_THREADS": "2"})
    peak = {"active": 0.0, "used": 0.0}
    done = threading.Event()

    def watch():
        while not done.is_set():
            try:
                peak["active"] = max(peak["active"], server.metric("loom_slots_active"))
                peak["used"] = max(peak["used"], server.metric("loom_kv_blocks_used"))
            except (KeyError, OSError):
                pass
            time.sleep(0.2)

    def ask(i):
        body = {"messages": [{"role": "user", "content": f"Say hello to user number {i} in one sentence."}],
                "max_tokens": 48, "temperature": 0}
        return server.post("/v1/chat/completions", body)[0]

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.time()
    with ThreadPoolExecutor(N) as pool:
        statuses = list(pool.map(ask, range(N)))
    elapsed = time.time() - start
    done.set()
    watcher.join()
    with open(f"/proc/{server.proc.pid}/status") as f:
        memory = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in f if line.startswith(("VmRSS", "VmHWM"))}
    print(f"flags {' '.join(flags)}: {statuses.count(200)} / {N} done in {elapsed:.1f} s; peak concurrent "
          f"{peak['active']:.0f}; peak KV blocks used {peak['used']:.0f} of {server.metric('loom_kv_blocks_total'):.0f}; "
          f"preemptions {server.metric('loom_preemptions_total'):.0f}; RSS {memory.get('VmRSS', 0):.0f} MB "
          f"(peak {memory.get('VmHWM', 0):.0f}); load {os.getloadavg()[0]:.2f}")
    server.stop()


if __name__ == "__main__":
    main()
