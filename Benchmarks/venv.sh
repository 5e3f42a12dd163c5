#!/usr/bin/env bash
# Creates Benchmarks/.venv with the peer packages the comparison scripts need.
# Usage: source Benchmarks/venv.sh PACKAGE[==VERSION] ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
missing=()
for requirement in "$@"; do
    name="${requirement%%[=<>]*}"
    "$venv/bin/python" -c "import importlib.metadata as m; m.version('$name')" 2>/dev/null || missing+=("$requirement")
done
if [ ${#missing[@]} -gt 0 ]; then
    "$venv/bin/pip" install -q --disable-pip-version-check "${missing[@]}" >&2
fi
echo "$venv/bin/python"
