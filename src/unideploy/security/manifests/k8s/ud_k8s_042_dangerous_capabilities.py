"""UD-K8S-042 dangerous Linux capabilities added (kubescape C-0046).

An `add` counts whatever `drop` says: `drop: [ALL]` with `add: [NET_ADMIN]` still runs with
NET_ADMIN, because the runtime drops first and adds after.
"""

from __future__ import annotations

from unideploy.security.manifests.helpers import DANGEROUS_CAPABILITIES
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-042",
    severity=Severity.HIGH,
    title="Containers must not add dangerous capabilities",
    rationale=(
        "SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_MODULE, ALL and their kind hand the "
        "process kernel powers most container escapes start from."
    ),
    references=("C-0046",),
)


@CHECK.containers
def dangerous(container: Container) -> Finding | None:
    added, dropped = container.capabilities
    bad = sorted(added & DANGEROUS_CAPABILITIES)
    if not bad:
        return None
    despite = " (despite drop: ALL)" if "ALL" in dropped else ""
    return CHECK.finding(container, f"adds {', '.join(bad)}{despite}")
