"""UD-K8S-039 Services exposed on node ports or external IPs."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.objects import K8sObject, as_list
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-039",
    severity=Severity.LOW,
    title="Services should not open node ports or claim external IPs",
    rationale=(
        "NodePorts listen on every node, past the ingress and its TLS; externalIPs can hijack "
        "traffic."
    ),
    references=(),
    applies_to=frozenset({"Service"}),
)


@CHECK.objects
def node_port(obj: K8sObject) -> Iterator[Finding]:
    if obj.spec.get("type") == "NodePort":
        yield CHECK.finding(obj, "is of type NodePort")
    ips = [str(ip) for ip in as_list(obj.spec.get("externalIPs"))]
    if ips:
        yield CHECK.finding(obj, f"claims externalIPs {', '.join(ips)}")
