#!/usr/bin/env bash
# `loom serve`'s request log, 405s, start-up lines, /props, /apply-template and attention of chat messages
# (tests/e2e/serve_routes_test.py). $1: the loom binary. Needs the default model and models/all-MiniLM-L6-v2.
set -uo pipefail
exec python3 tests/e2e/serve_routes_test.py "${1:?usage: serve_routes.sh path/to/loom}"
