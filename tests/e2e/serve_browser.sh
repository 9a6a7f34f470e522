#!/usr/bin/env bash
# The playground in headless Chromium (tests/e2e/serve_browser_test.py): streamed tokens tinted by probability,
# alternatives on hover, the prompt's tokens. $1: the loom binary. Needs Debian chromium + chromium-driver,
# pip selenium, and models/SmolLM2-135M-Instruct.Q4_1.gguf.
set -uo pipefail
exec python3 tests/e2e/serve_browser_test.py "${1:?usage: serve_browser.sh path/to/loom}"
