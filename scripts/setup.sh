#!/usr/bin/env bash
# Fresh machine -> working loom: Debian packages, the default model, a Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/fetch_default_model.sh
bash scripts/build.sh
