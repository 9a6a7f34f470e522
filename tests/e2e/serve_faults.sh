#!/usr/bin/env bash
# `loom serve` under faults (tests/e2e/serve_faults_test.py): dropped streams, a slow-drip body, a 1 MB prompt,
# 1000 requests at once; the server stays up, answers /health, and its memory returns to the baseline.
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf.
set -uo pipefail
exec python3 tests/e2e/serve_faults_test.py "${1:?usage: serve_faults.sh path/to/loom}"
