"""UD-K8S-008 containers binding a host port (checkov CKV_K8S_26, kubescape C-0044)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.objects import Container, as_list, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-008",
    severity=Severity.MEDIUM,
    title="Containers must not bind host ports",
    rationale=(
        "A hostPort exposes the pod on every node address and pins it to nodes with that port free."
    ),
    references=("CKV_K8S_26", "C-0044"),
)


@CHECK.containers
def host_port(container: Container) -> Iterator[Finding]:
    for port in as_list(container.raw.get("ports")):
        value = as_map(port).get("hostPort")
        if value not in (None, 0):
            yield CHECK.finding(container, f"binds hostPort {value}")
