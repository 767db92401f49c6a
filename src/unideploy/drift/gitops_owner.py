"""Which GitOps controller keeps a live object in sync, read from the marks it leaves on it.

A cluster handed to Flux or Argo CD (`unideploy gitops render`) is corrected by that controller,
not by `drift --remediate`: drift names the owner and whether it reverts hand edits by itself,
and remediation leaves the object to it. Flux's helm-controller labels what it installs
`helm.toolkit.fluxcd.io/{name,namespace}`; its kustomize-controller
`kustomize.toolkit.fluxcd.io/{name,namespace}`; Argo CD's annotation tracking writes
`argocd.argoproj.io/tracking-id: <app>:<group>/<kind>:<namespace>/<name>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

HELM_RELEASE_LABEL = "helm.toolkit.fluxcd.io/name"
KUSTOMIZATION_LABEL = "kustomize.toolkit.fluxcd.io/name"
ARGOCD_TRACKING = "argocd.argoproj.io/tracking-id"
HELM_API = "helm.toolkit.fluxcd.io/v2"

#: Reads one object (apiVersion, kind, namespace, name) → the live object or None.
Reader = Callable[[str, str, str | None, str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class GitOpsOwner:
    """The controller object that applies a live object, and whether it reverts drift itself."""

    tool: str
    kind: str
    namespace: str
    name: str
    corrects: bool
    how: str

    def describe(self) -> str:
        """`Flux HelmRelease flux-system/grafana: it reverts …`."""
        return f"{self.tool} {self.kind} {self.namespace}/{self.name}: {self.how}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "tool": self.tool,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "corrects_drift": self.corrects,
            "note": self.how,
        }


def gitops_owner(live: Mapping[str, Any], read: Reader) -> GitOpsOwner | None:
    """The GitOps controller object managing `live`, or None when no controller marked it."""
    meta = live.get("metadata") or {}
    labels = meta.get("labels") or {}
    if HELM_RELEASE_LABEL in labels:
        namespace = str(labels.get("helm.toolkit.fluxcd.io/namespace", ""))
        name = str(labels[HELM_RELEASE_LABEL])
        return _helm_release(namespace, name, read)
    if KUSTOMIZATION_LABEL in labels:
        namespace = str(labels.get("kustomize.toolkit.fluxcd.io/namespace", ""))
        how = "it re-applies this object at each reconcile and will correct the edit"
        return GitOpsOwner(
            "Flux", "Kustomization", namespace, str(labels[KUSTOMIZATION_LABEL]), True, how
        )
    tracking = str((meta.get("annotations") or {}).get(ARGOCD_TRACKING, ""))
    if tracking:
        app = tracking.split(":", 1)[0]
        how = "self-heal, when enabled on the Application, reverts the edit; else sync it"
        return GitOpsOwner("Argo CD", "Application", "", app, False, how)
    return None


def _helm_release(namespace: str, name: str, read: Reader) -> GitOpsOwner:
    release = read(HELM_API, "HelmRelease", namespace, name) if namespace else None
    mode = str(((release or {}).get("spec") or {}).get("driftDetection", {}).get("mode", ""))
    if mode == "enabled":
        how = "its drift detection is enabled: the next reconcile will correct the edit"
        return GitOpsOwner("Flux", "HelmRelease", namespace, name, True, how)
    how = (
        f"its drift detection is {mode or 'disabled'}: the edit stays until the next upgrade "
        f"(`flux reconcile helmrelease {name} -n {namespace} --force`)"
    )
    return GitOpsOwner("Flux", "HelmRelease", namespace, name, False, how)
