"""What a deploy into the sandbox should be told: webhooks simulated, addresses stand-ins, volumes.

`deploy` calls `notes(kubeconfig)` with the environment's kubeconfig; when that file is a
sandbox's (its directory holds the sandbox's state.json), the notes say what the sandbox stands
in for, so nobody mistakes a green deploy here for webhooks, load balancers or volumes that work.
Reads files only: no API call, no process started.
"""

from __future__ import annotations

from pathlib import Path

from unideploy.errors import EngineError
from unideploy.sandbox import state, webhook_log
from unideploy.sandbox.components import Layout


def sandbox_layout(kubeconfig: Path | None) -> Layout | None:
    """Return the layout of the running sandbox `kubeconfig` belongs to, else None."""
    if kubeconfig is None:
        return None
    layout = Layout(kubeconfig.resolve().parent)
    try:
        record = state.load(layout.state_file)
    except (EngineError, OSError):  # unreadable: not a sandbox we can speak for
        return None
    if record is None or Path(record.kubeconfig).resolve() != kubeconfig.resolve():
        return None
    return layout if any(state.alive(p) for p in record.processes) else None


def notes(kubeconfig: Path | None) -> list[str]:
    """Return one line per thing the sandbox simulates ([] when not deploying to a sandbox)."""
    layout = sandbox_layout(kubeconfig)
    if layout is None:
        return []
    record = state.load(layout.state_file)
    mode = record.webhooks if record else webhook_log.WEBHOOKS_SIMULATE
    if mode == webhook_log.WEBHOOKS_FAIL:
        webhooks = "sandbox: admission webhooks are not served (--webhooks=fail): calls fail"
    else:
        webhooks = (
            "sandbox: admission webhooks are simulated: every call is admitted and changes "
            f"nothing (log: {layout.log('sandbox-controllers')})"
        )
    return [
        webhooks,
        "sandbox: LoadBalancer addresses are loopback stand-ins (127.240.0.0/16), nothing answers",
        "sandbox: local-path volumes bind but hold no data (no container runs)",
    ]


def webhook_calls(kubeconfig: Path | None, since: float) -> dict[str, int]:
    """Count the sandbox's webhook calls after `since` (epoch seconds) by outcome."""
    layout = sandbox_layout(kubeconfig)
    counts: dict[str, int] = {}
    if layout is None:
        return counts
    for entry in webhook_log.read(layout.webhook_calls):
        if float(entry.get("time", 0)) >= since:
            outcome = str(entry.get("outcome"))
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
