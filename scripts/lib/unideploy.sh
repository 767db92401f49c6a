#!/usr/bin/env bash
# Run the unideploy CLI from the repository's .venv, bootstrapping it first when missing.
# Every seed script path is a thin wrapper that ends up here; the exit code passes through.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$root/scripts/lib/bootstrap.sh"
cd "$root"
# The reference stack's development secrets are encrypted for a committed TEST KEY ONLY
# (docs/secrets.md); a SOPS_AGE_KEY_FILE of your own takes its place.
export SOPS_AGE_KEY_FILE="${SOPS_AGE_KEY_FILE:-$root/environments/development/age-key.TEST-KEY-ONLY.txt}"
exec "$root/.venv/bin/unideploy" "$@"
