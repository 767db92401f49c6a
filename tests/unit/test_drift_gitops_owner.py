"""Unit tests: drift names the GitOps controller that applies an object, and leaves it to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unideploy.drift.compare import FieldDrift
from unideploy.drift.gitops_owner import gitops_owner
from unideploy.drift.model import DriftReport, ObjectDrift
from unideploy.drift.remediate import remediate


def _live(labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None) -> Any:
    meta: dict[str, Any] = {"name": "web", "namespace": "apps"}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def _reader(releases: Mapping[tuple[str, str], Any]) -> Any:
    asked: list[tuple[str, str, str | None, str]] = []

    def read(api_version: str, kind: str, namespace: str | None, name: str) -> Any:
        asked.append((api_version, kind, namespace, name))
        return releases.get((str(namespace), name))

    read.asked = asked  # type: ignore[attr-defined]
    return read


FLUX_HELM = {
    "helm.toolkit.fluxcd.io/name": "web",
    "helm.toolkit.fluxcd.io/namespace": "flux-system",
}


def test_a_helm_release_with_drift_detection_corrects_the_edit() -> None:
    read = _reader({("flux-system", "web"): {"spec": {"driftDetection": {"mode": "enabled"}}}})
    owner = gitops_owner(_live(FLUX_HELM), read)
    assert owner is not None
    assert (owner.tool, owner.kind, owner.namespace, owner.name) == (
        "Flux",
        "HelmRelease",
        "flux-system",
        "web",
    )
    assert owner.corrects is True
    assert read.asked == [("helm.toolkit.fluxcd.io/v2", "HelmRelease", "flux-system", "web")]
    assert "will correct" in owner.describe()


def test_a_helm_release_without_drift_detection_says_how_to_correct_it() -> None:
    owner = gitops_owner(_live(FLUX_HELM), _reader({("flux-system", "web"): {"spec": {}}}))
    assert owner is not None and owner.corrects is False
    assert "flux reconcile helmrelease web -n flux-system --force" in owner.how


def test_kustomization_and_argocd_marks_and_unmarked_objects() -> None:
    labels = {
        "kustomize.toolkit.fluxcd.io/name": "homelab-infrastructure",
        "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
    }
    kustomized = gitops_owner(_live(labels), _reader({}))
    assert kustomized is not None
    assert (kustomized.kind, kustomized.name, kustomized.corrects) == (
        "Kustomization",
        "homelab-infrastructure",
        True,
    )
    tracked = {"argocd.argoproj.io/tracking-id": "homepage:/ConfigMap:apps/web"}
    argo = gitops_owner(_live(annotations=tracked), _reader({}))
    assert argo is not None and (argo.tool, argo.name) == ("Argo CD", "homepage")
    # Helm's own labels and annotations are not a GitOps controller's.
    helm_only = _live(
        {"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "web"},
        {"meta.helm.sh/release-name": "web"},
    )
    assert gitops_owner(helm_only, _reader({})) is None


def test_remediation_leaves_an_owned_object_to_its_controller() -> None:
    read = _reader({("flux-system", "web"): {"spec": {"driftDetection": {"mode": "enabled"}}}})
    live = _live(FLUX_HELM)
    owner = gitops_owner(live, read)
    field = FieldDrift(("data", "greeting"), "data.greeting", "edited", "hello")
    drift = ObjectDrift("apps/web", "ConfigMap apps/web", "drifted", (field,), live, live, owner)
    report = DriftReport("development", (drift,), 1)
    assert report.to_dict()["objects"][0]["managed_by"]["corrects_drift"] is True
    # No API at all: nothing may be applied to an object Flux applies.
    (repair,) = remediate(None, report)
    assert repair.action == "left" and repair.ok
    assert repair.detail.startswith("to Flux HelmRelease flux-system/web")
