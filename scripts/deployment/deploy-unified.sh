#!/usr/bin/env bash
# deploy-unified.sh — the seed's deployment entry point, as a thin wrapper over `unideploy deploy`.
# Every flag maps onto the CLI; an unknown flag is a usage error (exit 2); the exit code passes through.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
launcher="$root/scripts/lib/unideploy.sh"

usage() {
  cat <<'USAGE'
usage: deploy-unified.sh --environment ENV [options] [-- COMMAND...]

Runs preflight → terraform → helm tiers → security → tests for ENV (unideploy deploy).

  -e, --environment ENV     development | staging | production (any environment in stack.yaml)
      --dry-run             plan everything, change nothing (prints the diff)
      --skip-terraform      leave out the terraform phase
      --skip-helmfile       leave out the helm phase (alias: --skip-helm)
      --skip-security       leave out the security phase
      --skip-tests          leave out the integration tests
      --debug               debug logs on stderr (also DEBUG=true)
      --maintenance-mode    mark the run as maintenance (alerts inhibited)
      --parallel [N]        run up to N independent steps at once (default 4)
      --incremental         skip releases whose inputs did not change
      --cache-images        pre-pull every image before the helm phase
      --continue-on-error   on failure, skip only what depends on the failed step
      --lock-timeout SECS   wait this long for the environment lock
      --output json         one machine-readable summary on stdout
      --recover-pending     roll back releases stuck in pending-* first
      --approve             approve a deploy of an environment with approval: required
      --approved-by NAME    approve in NAME's name
      --skip-promotion-gate skip the promotion gate (needs --reason; audited)
      --reason TEXT         why the promotion gate is skipped
      --pushgateway URL     push deployment metrics to a Prometheus Pushgateway
      --notify-webhook URL  post the result to a Slack-compatible webhook
      --stack PATH          stack.yaml to use (default: the repository's)
  -h, --help                this help

A COMMAND after the options (or after --) runs only when the deploy succeeded.
USAGE
}

valid="--environment -e --dry-run --skip-terraform --skip-helmfile --skip-helm --skip-security --skip-tests --debug --maintenance-mode --parallel --incremental --cache-images --continue-on-error --recover-pending --lock-timeout --output --approve --approved-by --skip-promotion-gate --reason --pushgateway --notify-webhook --stack --help"
global=()
args=()
after=()
environment=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -e|--environment) [[ $# -ge 2 ]] || { echo "error: $1 needs a value" >&2; exit 2; }; environment="$2"; shift 2 ;;
    --environment=*) environment="${1#*=}"; shift ;;
    --dry-run|--skip-terraform|--skip-security|--skip-tests|--maintenance-mode|--incremental|--cache-images|--continue-on-error|--recover-pending|--approve|--skip-promotion-gate)
      args+=("$1"); shift ;;
    --skip-helmfile|--skip-helm) args+=("--skip-helm"); shift ;;
    --debug) global+=("--debug"); shift ;;
    --parallel)
      if [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]]; then args+=("--parallel" "$2"); shift 2
      else args+=("--parallel" "4"); shift; fi ;;
    --parallel=*) args+=("--parallel" "${1#*=}"); shift ;;
    --lock-timeout|--output|--approved-by|--reason|--pushgateway|--notify-webhook)
      [[ $# -ge 2 ]] || { echo "error: $1 needs a value" >&2; exit 2; }; args+=("$1" "$2"); shift 2 ;;
    --stack) [[ $# -ge 2 ]] || { echo "error: --stack needs a value" >&2; exit 2; }; global+=("--stack" "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; after=("$@"); break ;;
    -*)
      echo "error: unknown option $1" >&2
      echo "  hint: valid options are: $valid" >&2
      exit 2 ;;
    *) after=("$@"); break ;;
  esac
done

if [[ -z "$environment" ]]; then
  echo "error: --environment is required" >&2
  echo "  hint: e.g. deploy-unified.sh --environment development --dry-run" >&2
  exit 2
fi

if [[ ${#after[@]} -eq 0 ]]; then
  exec bash "$launcher" "${global[@]}" deploy -e "$environment" "${args[@]}"
fi
bash "$launcher" "${global[@]}" deploy -e "$environment" "${args[@]}"
exec "${after[@]}"
