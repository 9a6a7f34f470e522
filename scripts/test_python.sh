#!/usr/bin/env bash
# The Python package's tests, as a user meets the package: a fresh virtualenv, `pip install ./python`, the
# README's Python example, then pytest python/tests (which compares every call with build/loom, so the Release
# build must exist: scripts/test.sh runs this after it). Extra arguments go to pytest.
#
# The wheel is built in build-python/ (python/pyproject.toml's build-dir), so a second run compiles only what
# changed; the library there is compiled position-independent, apart from build/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build-python/venv-test
rm -rf "$venv"
python3 -m venv "$venv"
py="$venv/bin/python"
# Test-only packages (numpy + safetensors: the tiny-model writers in scripts/goldens/; ray[data] + pyarrow:
# loom.ray's test and example). The package itself needs only numpy.
"$py" -m pip install --quiet --disable-pip-version-check pytest numpy safetensors "ray[data]" pyarrow
start=$(date +%s)
"$py" -m pip install --quiet --disable-pip-version-check ./python
echo "pip install ./python: $(( $(date +%s) - start )) s"

# The README's Python example (its first ```python block), run as written, from the repository root.
awk '/^```python$/ {on = 1; next} on && /^```$/ {exit} on {print}' README.md > "$venv/readme_example.py"
[ -s "$venv/readme_example.py" ] || { echo "README.md has no \`\`\`python example" >&2; exit 1; }
"$py" "$venv/readme_example.py"

# From the repository root but not from python/, so `import loom` finds the installed package.
OMP_WAIT_POLICY=passive "$py" -m pytest -q -p no:cacheprovider python/tests "$@"
