#!/usr/bin/env bash
# `loom serve` prefix reuse with the default model (tests/e2e/serve_prefix_cache_test.py): 32 concurrent greedy
# completions (3 slots) with shared and unshared prefixes equal `loom run` one at a time; usage.prompt_tokens_details
# .cached_tokens on completions and chat, whole and streamed; a chat's second turn reuses the first; the
# /metrics counters; --no-prefix-cache. $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf.
set -uo pipefail
exec python3 tests/e2e/serve_prefix_cache_test.py "${1:?usage: serve_prefix_cache.sh path/to/loom}"
