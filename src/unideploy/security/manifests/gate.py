"""The static security gate the deploy pipeline calls on rendered manifests before applying them.

Input: rendered objects as plain dicts, the environment name and its `global.security` values plus
stack overrides. Output: the scan's findings and the policy verdict. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from unideploy.security.manifests.objects import CLUSTER_SCOPED_KINDS, K8sObject
from unideploy.security.manifests.policy import Policy, Verdict, evaluate, policy_for
from unideploy.security.manifests.registry import Finding
from unideploy.security.manifests.scan import scan_objects


@dataclass(frozen=True)
class GateResult:
    """Findings of the rendered stack and the verdict of the environment's policy."""

    findings: tuple[Finding, ...]
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        """JSON shape: the verdict plus every finding."""
        return {**self.verdict.to_json(), "findings": [f.to_json() for f in self.findings]}


def release_objects(
    release: str, namespace: str, manifests: Iterable[Mapping[str, Any]]
) -> list[tuple[str, Mapping[str, Any]]]:
    """`(source, object)` pairs for one rendered release (pass its hooks too: they run pods).

    Helm installs namespaced objects without a namespace into the release's namespace, so that is
    filled in here (on a copy) before checks that care about namespaces see them.
    """
    out: list[tuple[str, Mapping[str, Any]]] = []
    for manifest in manifests:
        obj = dict(manifest)
        meta = dict(obj.get("metadata") or {})
        if not meta.get("namespace") and str(obj.get("kind")) not in CLUSTER_SCOPED_KINDS:
            meta["namespace"] = namespace
            obj["metadata"] = meta
        out.append((f"helm/{release}", obj))
    return out


def static_gate(
    manifests: Iterable[tuple[str, Mapping[str, Any]]],
    environment: str,
    security: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    policy: Policy | None = None,
) -> GateResult:
    """Check rendered `(source, object)` pairs; the caller raises with `verdict.raise_if_blocked()`.

    `source` names where an object came from (e.g. `helm/grafana`), and shows as the finding's path.
    """
    objects = [K8sObject(raw=obj, path=source) for source, obj in manifests if obj]
    chosen = policy or policy_for(environment, security, overrides)
    findings = chosen.exempt(scan_objects(objects, environment=environment))
    return GateResult(findings, evaluate(findings, chosen))
