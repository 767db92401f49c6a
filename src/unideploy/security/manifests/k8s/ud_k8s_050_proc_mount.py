"""UD-K8S-050 containers with an unmasked /proc.

`procMount: Unmasked` exposes /proc paths the runtime normally masks (kernel memory, sysrq).
"""

from __future__ import annotations

from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-050",
    severity=Severity.HIGH,
    title="Containers must keep the default masked /proc",
    rationale="An unmasked /proc hands the container kernel interfaces it can use to escape.",
)


@CHECK.containers
def unmasked(container: Container) -> Finding | None:
    mount = container.security_context.get("procMount")
    if mount is not None and str(mount) != "Default":
        return CHECK.finding(container, f"sets procMount: {mount}")
    return None
