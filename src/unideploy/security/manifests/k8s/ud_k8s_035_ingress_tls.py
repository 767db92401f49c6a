"""UD-K8S-035 Ingress hosts served without TLS (kubescape C-0263)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.objects import K8sObject, as_list, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-035",
    severity=Severity.MEDIUM,
    title="Ingress hosts must be served over TLS",
    rationale="Without TLS, credentials and session cookies cross the network in clear text.",
    references=("C-0263",),
    applies_to=frozenset({"Ingress"}),
)


@CHECK.objects
def ingress_tls(obj: K8sObject) -> Iterator[Finding]:
    tls = [as_map(t) for t in as_list(obj.spec.get("tls"))]
    if not tls:
        yield CHECK.finding(obj, "has no tls section")
        return
    covered = {str(h) for t in tls for h in as_list(t.get("hosts"))}
    for rule in as_list(obj.spec.get("rules")):
        host = as_map(rule).get("host")
        if host and str(host) not in covered:
            yield CHECK.finding(obj, f"host {host} is not listed under tls")
