"""sandbox-controllers: what k3s adds to Kubernetes, for a sandbox with fake nodes.

`python -m unideploy.sandbox.controllers --state-dir DIR --webhooks MODE --api-port 6443`, started
by `core` inside the sandbox network namespace, runs:

- the egress endpoint and webhook stand-in (webhooks), on its own thread;
- once a second: ServiceLB (servicelb) and the local-path provisioner (localpath).

It talks to kube-apiserver at 127.0.0.1:<api-port> inside the namespace, as the sandbox admin.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from unideploy.sandbox import localpath, servicelb, webhooks
from unideploy.sandbox.api import ApiClient
from unideploy.sandbox.components import Layout
from unideploy.sandbox.webhook_log import WEBHOOK_MODES

INTERVAL = 1.0


def reconcile(api: ApiClient, first_node: str) -> list[str]:
    """One pass of every loop; return what changed (for the log)."""
    if not localpath.ensure_storage_class(api):
        return []
    return servicelb.assign(api) + localpath.provision(api, first_node)


def main(argv: list[str] | None = None) -> int:
    """Start the stand-in, then reconcile forever."""
    parser = argparse.ArgumentParser(prog="unideploy-sandbox-controllers")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--webhooks", choices=WEBHOOK_MODES, required=True)
    parser.add_argument("--api-port", type=int, required=True)
    parser.add_argument("--first-node", default="sandbox-node-0")
    args = parser.parse_args(argv)
    layout = Layout(args.state_dir)
    certs = layout.pki
    api = ApiClient(
        args.api_port, certs.ca_cert, certs.client_cert("admin"), certs.client_key("admin")
    )
    webhooks.run(layout, args.webhooks, api, layout.controllers_ready)
    print(f"webhooks: {args.webhooks}; ServiceLB and local-path running", flush=True)
    last_error = ""
    while True:
        try:
            for line in reconcile(api, args.first_node):
                print(line, flush=True)
            last_error = ""
        except OSError as exc:
            if str(exc) != last_error:  # once per distinct error, not once a second
                print(f"reconcile: {exc}", flush=True)
                last_error = str(exc)
        time.sleep(INTERVAL)


if __name__ == "__main__":
    sys.exit(main())
