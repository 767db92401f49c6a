#!/usr/bin/env bash
# Run the unideploy CLI from the repository's .venv, bootstrapping it first when missing.
# Every seed script path is a thin wrapper that ends up here; the exit code passes through.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$root/scripts/lib/bootstrap.sh"
cd "$root"
exec "$root/.venv/bin/unideploy" "$@"
