#!/usr/bin/env bash
# Create or refresh the repository's .venv so `unideploy` and the test tools are runnable.
# Idempotent: a no-op (well under a second) when .venv matches pyproject.toml already.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.venv"
stamp="$venv/.unideploy-bootstrap"
python="${PYTHON:-python3}"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"

if [[ -x "$venv/bin/unideploy" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: unideploy needs Python 3.11 or newer (found: $("$python" --version 2>&1))" >&2
  echo "  hint: install python3.11 and run again, or set PYTHON=/path/to/python3.11" >&2
  exit 2
fi

echo "bootstrap: preparing $venv (first run only)" >&2
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip >&2
"$venv/bin/python" -m pip install --quiet -e "$root[dev]" >&2
echo "$want" > "$stamp"
echo "bootstrap: ready" >&2
