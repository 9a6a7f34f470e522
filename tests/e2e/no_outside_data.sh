#!/usr/bin/env bash
# The repository stands on its own: nothing that builds, tests or regenerates goldens may read a path outside it
# (such as the sibling shared-data folder that only the original developers' machines have). Fails listing every
# line that names one. Documentation may still point readers elsewhere, so docs/ and *.md files are not checked.
# $1 (the loom binary) is unused.
set -euo pipefail
cd "$(dirname "$0")/../.."

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files -- CMakeLists.txt '*.cmake' .ci scripts src tools tests bench | grep -v '\.md$')
else
    mapfile -t files < <(find CMakeLists.txt .ci scripts src tools tests bench -type f ! -name '*.md' 2>/dev/null)
fi
[ "${#files[@]}" -gt 100 ] || { echo "FAIL: found only ${#files[@]} files to check; run from the repository"; exit 1; }

# The sibling folder in any spelling: a relative path string, or os.path.join(..., "..", NAME, ...) in Python.
# (The name is assembled here so that this file does not match its own pattern.)
sibling="sha""red"
pattern="\\.\\./${sibling}|\"\\.\\.\",[[:space:]]*\"${sibling}\""
hits=$(grep -nE "$pattern" -- "${files[@]}" || true)
if [ -n "$hits" ]; then
    echo "FAIL: these lines name data outside the repository; copy the data into tests/data (see tests/data/upstream/README.md):"
    echo "$hits"
    exit 1
fi
echo "PASS: ${#files[@]} files, none reads outside the repository"
