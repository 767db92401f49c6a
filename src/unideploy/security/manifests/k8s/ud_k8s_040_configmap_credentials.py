"""UD-K8S-040 credentials stored in ConfigMaps (kubescape C-0012)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from unideploy.security.manifests.objects import K8sObject, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

SENSITIVE = re.compile(r"(passw(or)?d|secret|token|api[_-]?key|private[_-]?key|credential)", re.I)

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
        if SENSITIVE.search(str(key)) and str(value or "").strip():
            yield CHECK.finding(obj, f"key {key} looks like a credential (value not shown)")
