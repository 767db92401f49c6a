#!/usr/bin/env bash
# Run a command in a network namespace of its own whose only interface is loopback: nothing it
# starts (the Helm SDK's Go code included) can send a packet beyond 127.0.0.0/8. `make pytest`
# runs the test suite through this. As root: `unshare -n`; otherwise `unshare -rn` where user
# namespaces are allowed. Where neither is, or with UNIDEPLOY_TEST_NETWORK=host, the command
# runs with the machine's network and says so.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

inside='ip link set lo up && exec "$@"'
if [[ "${UNIDEPLOY_TEST_NETWORK:-}" != "host" ]] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  for flags in -n -rn; do
    if unshare "$flags" true 2>/dev/null; then
      exec unshare "$flags" -- bash -c "$inside" loopback-only "$@"
    fi
  done
fi
echo "note: running with this machine's network (no loopback-only namespace: needs unshare, ip" \
  "and root or user namespaces; UNIDEPLOY_TEST_NETWORK=host asks for this)" >&2
exec "$@"
