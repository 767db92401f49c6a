#!/usr/bin/env bash
# K3s validation: the cluster health check, then the infrastructure and connectivity tests.
# Usage: orchestrator.sh --environment ENV [--output-format FMT] [--output-file PATH]
# A thin wrapper over `unideploy health` and `unideploy test`; exits 1 when either fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
launcher="$here/../../scripts/lib/unideploy.sh"

environment="${ENVIRONMENT:-development}"
extra=()
usage() {
  echo "usage: $0 --environment ENV [--output-format console|json|junit|markdown|html|all] [--output-file PATH]" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --environment|-e) [[ $# -ge 2 ]] || usage; environment="$2"; shift 2 ;;
    --output-format) [[ $# -ge 2 ]] || usage; extra+=(--output-format "$2"); shift 2 ;;
    --output-file) [[ $# -ge 2 ]] || usage; extra+=(--output-file "$(realpath -m "$2")"); shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1 (valid: --environment, --output-format, --output-file)" >&2; exit 2 ;;
  esac
done

status=0
bash "$launcher" health -e "$environment" || status=$?
bash "$launcher" test -e "$environment" --category infrastructure --category connectivity \
  "${extra[@]}" || { rc=$?; [[ $status -ne 0 ]] || status=$rc; }
exit "$status"
