"""UD-K8S-049 Windows hostProcess containers.

`windowsOptions.hostProcess: true`, in the container's securityContext or inherited from the
pod's, runs the container as a process on the node with the node's rights.
"""

from __future__ import annotations

from unideploy.security.manifests.objects import Container, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-049",
    severity=Severity.HIGH,
    title="Containers must not run as Windows hostProcess",
    rationale="A hostProcess container is a process on the node, outside any container boundary.",
)


@CHECK.containers
def host_process(container: Container) -> Finding | None:
    own = as_map(container.security_context.get("windowsOptions")).get("hostProcess")
    pod = as_map(container.pod.security_context.get("windowsOptions")).get("hostProcess")
    if own is True:
        return CHECK.finding(container, "sets windowsOptions.hostProcess: true")
    if own is None and pod is True:
        return CHECK.finding(container, "inherits windowsOptions.hostProcess: true from the pod")
    return None
