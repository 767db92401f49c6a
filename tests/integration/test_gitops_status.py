"""gitops status on the sandbox: the real Argo CD and Flux CRDs, objects with given statuses."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from tests.integration.sandbox_cluster import Cluster

from unideploy.cli import main as cli_main

pytestmark = pytest.mark.cluster
CRDS = Path(__file__).resolve().parents[1] / "fixtures" / "crds"


def install_crds(sandbox: Cluster) -> None:
    """The Argo CD and Flux CRDs, served and established (idempotent)."""
    sandbox.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS / "argocd"))
    sandbox.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS / "flux"))
    sandbox.kubectl(
        "wait", "--for=condition=Established", "--timeout=60s",
        "crd/applications.argoproj.io", "crd/kustomizations.kustomize.toolkit.fluxcd.io",
        "crd/helmreleases.helm.toolkit.fluxcd.io",
    )  # fmt: skip


def write_stack(root: Path, kubeconfig: Path, name: str) -> Path:
    root.mkdir()
    (root / "values.yaml").write_text("global: {}\n")
    (root / "stack.yaml").write_text(
        f"apiVersion: unideploy.io/v1\nname: {name}\n"
        f"environments:\n  development:\n    values: [values.yaml]\n"
        f"    cluster: {{kubeconfig: {kubeconfig}, context: unideploy-sandbox}}\n"
    )
    return root


def create(sandbox: Cluster, obj: dict[str, Any], status: dict[str, Any] | None = None) -> None:
    sandbox.kubectl("create", "-f", "-", input_text=json.dumps(obj))
    if status is not None:
        meta = obj["metadata"]
        sandbox.kubectl(
            "patch", obj["kind"].lower() + "." + obj["apiVersion"].split("/")[0], meta["name"],
            "-n", meta["namespace"], "--subresource=status", "--type=merge",
            "-p", json.dumps({"status": status}),
        )  # fmt: skip


def application(
    name: str, namespace: str, labels: dict[str, str], status: dict[str, Any]
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example.test/r.git", "path": "charts/web"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "apps"},
        },
        "status": status,  # no status subresource on Applications
    }


def flux(
    kind: str, name: str, namespace: str, labels: dict[str, str], **spec: Any
) -> dict[str, Any]:
    api = {
        "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
        "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    }
    return {
        "apiVersion": api[kind],
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"interval": "10m", **spec},
    }


def ready(status: str, reason: str, message: str) -> dict[str, Any]:
    condition = {
        "type": "Ready",
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }
    return {"conditions": [condition]}


def test_status_explains_argocd_and_flux_problems(
    sandbox: Cluster,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_crds(sandbox)
    name = f"st{uuid.uuid4().hex[:8]}"
    stack = write_stack(tmp_path / "stack", sandbox.kubeconfig, name)
    ours = {"app.kubernetes.io/part-of": name, "unideploy.io/environment": "development"}
    healthy = {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}}
    create(sandbox, application("good", namespace, ours, healthy))
    out_of_sync = {
        "sync": {"status": "OutOfSync"},
        "health": {"status": "Healthy"},
        "resources": [
            {"kind": "Deployment", "namespace": "apps", "name": "web", "status": "OutOfSync"},
            {"kind": "Service", "namespace": "apps", "name": "web", "status": "Synced"},
        ],
    }
    create(sandbox, application("drifting", namespace, ours, out_of_sync))
    degraded = {
        "sync": {"status": "Synced"},
        "health": {"status": "Degraded"},
        "resources": [
            {
                "kind": "Deployment", "namespace": "apps", "name": "api", "status": "Synced",
                "health": {"status": "Degraded", "message": "exceeded its progress deadline"},
            }
        ],
    }  # fmt: skip
    create(sandbox, application("broken", namespace, ours, degraded))
    other = {**ours, "unideploy.io/environment": "production"}
    create(sandbox, application("elsewhere", namespace, other, out_of_sync))
    source = {"kind": "GitRepository", "name": "repo"}
    create(
        sandbox,
        flux("Kustomization", "tier", namespace, ours, prune=True, sourceRef=source),
        ready("True", "ReconciliationSucceeded", "Applied revision: main@sha1:abc"),
    )
    chart = {"spec": {"chart": "./charts/web", "sourceRef": source}}
    create(
        sandbox,
        flux("HelmRelease", "web", namespace, ours, chart=chart),
        ready("False", "InstallFailed", "install retries exhausted"),
    )
    create(
        sandbox,
        flux("HelmRelease", "paused", namespace, ours, chart=chart, suspend=True),
        ready("True", "UpgradeSucceeded", "ok"),
    )

    capsys.readouterr()
    argv = ["--stack", str(stack), "gitops", "status", "-e", "development", "-o", "json"]
    assert cli_main.main(argv) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["installed"] == ["argocd", "flux"]
    found = {(o["kind"], o["name"]): o for o in document["objects"]}
    assert sorted(found) == [
        ("Application", "broken"),
        ("Application", "drifting"),
        ("Application", "good"),
        ("HelmRelease", "paused"),
        ("HelmRelease", "web"),
        ("Kustomization", "tier"),
    ]
    assert found[("Application", "good")]["ok"] is True
    assert found[("Kustomization", "tier")]["state"] == "Ready"
    drifting = found[("Application", "drifting")]
    assert (drifting["state"], drifting["problems"]) == (
        "OutOfSync/Healthy",
        ["Deployment apps/web is out of sync"],
    )
    assert drifting["fix"] == "argocd app diff drifting; argocd app sync drifting"
    broken = found[("Application", "broken")]
    assert broken["problems"] == ["Deployment apps/api is Degraded: exceeded its progress deadline"]
    web = found[("HelmRelease", "web")]
    assert web["problems"] == ["not ready (InstallFailed): install retries exhausted"]
    assert web["fix"] == f"flux reconcile helmrelease web -n {namespace} --with-source"
    paused = found[("HelmRelease", "paused")]
    assert (paused["state"], paused["fix"]) == (
        "Suspended",
        f"flux resume helmrelease paused -n {namespace}",
    )

    assert cli_main.main(argv[:-2]) == 1
    text = capsys.readouterr().out
    assert f"✗ Application {namespace}/drifting: OutOfSync/Healthy" in text
    assert "fix: argocd app diff drifting; argocd app sync drifting" in text
    assert f"✓ Kustomization {namespace}/tier: Ready" in text


def test_status_of_an_environment_without_gitops_objects_fails(
    sandbox: Cluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_crds(sandbox)
    stack = write_stack(tmp_path / "stack", sandbox.kubeconfig, f"st{uuid.uuid4().hex[:8]}")
    capsys.readouterr()
    assert cli_main.main(["--stack", str(stack), "gitops", "status", "-e", "development"]) == 1
    assert "no GitOps objects of stack" in capsys.readouterr().out
