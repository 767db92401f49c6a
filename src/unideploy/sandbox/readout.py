"""What runs in a sandbox, read from its state.json and the processes themselves (`status`).

Used by `core.Sandbox.status`: each recorded component's liveness (pid and start time, so a
reused pid is not mistaken for ours), the apiserver's /readyz when every expected component
runs, whether the shared network namespace has only `lo`, and the webhook calls seen.
"""

from __future__ import annotations

from pathlib import Path

from unideploy.sandbox import components, flux, netns, state
from unideploy.sandbox.api import ApiClient
from unideploy.sandbox.status import ComponentStatus, SandboxStatus
from unideploy.sandbox.webhook_log import summarize


def isolated(record: state.SandboxState) -> bool | None:
    """Whether the bridge's namespace (every component's) has only `lo`; None when not running."""
    bridge = next((p for p in record.processes if p.name == "bridge"), None)
    if bridge is None or not state.alive(bridge):
        return None
    try:
        return not netns.report(bridge.pid).problems
    except OSError:
        return None


def read_status(layout: components.Layout, kubeconfig: Path) -> SandboxStatus:
    """Report what runs: each component's pid and liveness, API readiness, kubeconfig."""
    record = state.load(layout.state_file)
    if record is None:
        return SandboxStatus(state_dir=str(layout.root), kubeconfig=str(kubeconfig))
    comps = tuple(
        ComponentStatus(
            name=p.name,
            pid=p.pid,
            running=state.alive(p),
            port=record.ports.get(p.name, record.ports.get(f"{p.name}-client")),
            log=p.log,
        )
        for p in record.processes
    )
    expected = len(components.ORDER) + (len(flux.COMPONENTS) if record.gitops else 0)
    all_up = len(comps) == expected and all(c.running for c in comps)
    api_ready = False
    if all_up:
        certs = layout.pki
        api = ApiClient(
            record.ports["kube-apiserver"],
            certs.ca_cert,
            certs.client_cert("admin"),
            certs.client_key("admin"),
        )
        api_ready = api.ready()
    return SandboxStatus(
        state_dir=record.state_dir,
        kubeconfig=record.kubeconfig,
        server=record.server,
        kubernetes_version=record.kubernetes_version,
        running=all_up and api_ready,
        api_ready=api_ready,
        started_at=record.started_at,
        components=comps,
        nodes=tuple(record.nodes),
        webhooks=record.webhooks,
        webhook_calls=summarize(layout.webhook_calls),
        isolated=isolated(record),
        audit_log=record.audit_log,
        gitops=dict(record.gitops),
    )
