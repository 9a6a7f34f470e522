#!/usr/bin/env bash
# `loom serve` against hostile requests (tests/e2e/serve_hostile_test.py, issue 15 items 1 and 2): a logit_bias
# that bans every token fails that request (400, or an error event in a stream) and the server lives on; huge
# one-word prompts do not leave per-thread work buffers pinned (RSS returns).
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf.
set -uo pipefail
exec python3 tests/e2e/serve_hostile_test.py "${1:?usage: serve_hostile.sh path/to/loom}"
