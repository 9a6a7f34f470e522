#!/usr/bin/env bash
# `loom serve`'s browser safety and API keys (tests/e2e/serve_access_test.py): application/json only, the Host
# check of a keyless loopback server, --cors-origins, Bearer keys from --api-key / --api-key-file /
# LOOM_API_KEY. $1: the loom binary. Needs the default model.
set -uo pipefail
exec python3 tests/e2e/serve_access_test.py "${1:?usage: serve_access.sh path/to/loom}"
