"""UD-K8S-013 NET_RAW not dropped, or added back (checkov CKV_K8S_28, kubescape C-0055).

`drop: [ALL]` with `add: [NET_RAW]` keeps NET_RAW: the runtime adds after it drops.
"""

from __future__ import annotations

from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-013",
    severity=Severity.LOW,
    title="Containers should drop NET_RAW (or ALL)",
    rationale="NET_RAW lets a process forge packets and spoof neighbours on the pod network.",
    references=("CKV_K8S_28", "C-0055"),
)


@CHECK.containers
def net_raw(container: Container) -> Finding | None:
    added, dropped = container.capabilities
    if added & {"NET_RAW", "ALL"}:
        return CHECK.finding(container, "adds NET_RAW back" if "NET_RAW" in added else "adds ALL")
    if not dropped & {"NET_RAW", "ALL"}:
        return CHECK.finding(container, "does not drop NET_RAW or ALL capabilities")
    return None
