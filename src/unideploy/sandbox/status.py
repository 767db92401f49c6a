"""What `unideploy sandbox status` reports, as frozen values the CLI renders (table or JSON)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ComponentStatus:
    """One component: its pid, whether it still runs, its port and its log file."""

    name: str
    pid: int
    running: bool
    port: int | None
    log: str


@dataclass(frozen=True)
class SandboxStatus:
    """The whole sandbox; `running` means every component is alive and /readyz answers."""

    state_dir: str
    kubeconfig: str
    server: str = ""
    kubernetes_version: str = ""
    running: bool = False
    api_ready: bool = False
    started_at: float = 0.0
    components: tuple[ComponentStatus, ...] = ()
    nodes: tuple[str, ...] = ()
    webhooks: str = ""
    webhook_calls: dict[str, int] = field(default_factory=dict)
    isolated: bool | None = None
    audit_log: str = ""
    gitops: dict[str, str] = field(default_factory=dict)

    @property
    def webhooks_note(self) -> str:
        """How admission webhook calls are handled here, in one line ('' when stopped)."""
        if not self.webhooks:
            return ""
        if self.webhooks == "fail":
            return "webhooks: not served (--webhooks=fail): calls fail fast, as with servers down"
        answered = self.webhook_calls.get("answered", 0)
        return f"webhooks: simulated (every call admitted, objects unchanged; {answered} answered)"

    @property
    def summary(self) -> str:
        """One line: running, degraded or stopped."""
        if self.running:
            return f"running ({self.kubernetes_version}, {self.server})"
        if any(c.running for c in self.components):
            down = [c.name for c in self.components if not c.running]
            why = f"not running: {', '.join(down)}" if down else "API not ready"
            return f"degraded ({why})"
        return "stopped"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (no secrets: the kubeconfig is named, never read)."""
        uptime = round(time.time() - self.started_at, 1) if self.running else None
        return {
            "state": self.summary.split(" ", 1)[0],
            "running": self.running,
            "api_ready": self.api_ready,
            "server": self.server or None,
            "kubernetes_version": self.kubernetes_version or None,
            "kubeconfig": self.kubeconfig,
            "context": "unideploy-sandbox",
            "state_dir": self.state_dir,
            "uptime_seconds": uptime,
            "nodes": list(self.nodes),
            "webhooks": self.webhooks or None,
            "webhook_calls": dict(self.webhook_calls),
            "network_isolated": self.isolated,
            "audit_log": self.audit_log or None,
            "gitops": dict(self.gitops) or None,
            "components": [
                {
                    "name": c.name,
                    "pid": c.pid,
                    "running": c.running,
                    "port": c.port,
                    "log": c.log,
                }
                for c in self.components
            ],
        }
