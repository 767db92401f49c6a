"""UD-K8S-040 credentials stored in ConfigMaps (kubescape C-0012).

A key named like a credential with a literal value, a PEM private key, a URL with a password, a
high-entropy token, or a `password: …` line inside a config file held in the ConfigMap. The value
is never shown.
"""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.credentials import reason
from unideploy.security.manifests.objects import K8sObject, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-040",
    severity=Severity.MEDIUM,
    title="Credentials belong in Secrets, not ConfigMaps",
    rationale=(
        "ConfigMaps are readable by far more subjects than Secrets and are never encrypted at rest."
    ),
    references=("C-0012",),
    applies_to=frozenset({"ConfigMap"}),
)


@CHECK.objects
def credentials(obj: K8sObject) -> Iterator[Finding]:
    for key, value in as_map(obj.raw.get("data")).items():
        why = reason(str(key), value)
        if why:
            yield CHECK.finding(obj, f"key {key} {why} (value not shown)")
