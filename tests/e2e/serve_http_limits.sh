#!/usr/bin/env bash
# `loom serve`'s HTTP transport limits (tests/e2e/serve_http_limits_test.py): decoded-size body limits for
# chunked and gzip bodies, Content-Length checks, pipelining, slowloris heads, the body deadline, the cap on
# pending connections, SIGTERM with half-sent heads. $1: the loom binary. Needs the default model.
set -uo pipefail
exec python3 tests/e2e/serve_http_limits_test.py "${1:?usage: serve_http_limits.sh path/to/loom}"
