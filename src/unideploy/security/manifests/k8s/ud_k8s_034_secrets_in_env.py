"""UD-K8S-034 Secrets passed as environment variables (checkov CKV_K8S_35, kubescape C-0207)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.objects import Container, as_list, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-034",
    severity=Severity.MEDIUM,
    title="Secrets should be mounted as files, not passed in environment variables",
    rationale=(
        "Environment variables leak into crash dumps, child processes and `kubectl describe`."
    ),
    references=("CKV_K8S_35", "C-0207"),
)


@CHECK.containers
def secret_env(container: Container) -> Iterator[Finding]:
    for env in as_list(container.raw.get("env")):
        ref = as_map(as_map(as_map(env).get("valueFrom")).get("secretKeyRef"))
        if ref:
            yield CHECK.finding(
                container, f"env {as_map(env).get('name')} reads Secret {ref.get('name', '?')}"
            )
    for source in as_list(container.raw.get("envFrom")):
        ref = as_map(as_map(source).get("secretRef"))
        if ref:
            yield CHECK.finding(container, f"envFrom loads all of Secret {ref.get('name', '?')}")
