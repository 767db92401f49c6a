"""gitops render: Argo CD and Flux objects valid against the real CRDs; manifests deterministic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.fixtures.crds.schemas import core_errors, crd_errors

from unideploy.config.load import load_stack
from unideploy.config.stack import Stack
from unideploy.errors import ConfigError
from unideploy.gitops.files import read_tree
from unideploy.gitops.render import RenderRequest, render
from unideploy.service.desired import desired_state

REPO = Path(__file__).resolve().parents[2]
REPO_URL = "https://git.example.test/platform/homelab.git"
OUTPUTS = {
    "networking": {"metallb_pool_name": "production-pool"},
    "storage": {"replica_count": 3, "default_storage_class": "longhorn"},
}


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_stack(REPO / "stack.yaml")


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.yaml"
    path.write_text(yaml.safe_dump(OUTPUTS))
    return path


def _render(stack: Stack, flavor: str, out: Path, outputs: Path, **extra: Any) -> None:
    request = RenderRequest(
        "production",
        flavor,
        out,
        repo_url=REPO_URL,
        path_in_repo="deployments/gitops",
        outputs_file=outputs,
        **extra,
    )
    render(stack, request)


def _objects(root: Path, pattern: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted(root.glob(pattern)):
        found.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return found


def test_argocd_objects_are_valid_and_follow_the_plan(
    stack: Stack, tmp_path: Path, outputs: Path
) -> None:
    _render(stack, "argocd", tmp_path, outputs)
    objects = _objects(tmp_path, "argocd/**/*.yaml")
    for obj in objects:
        assert crd_errors(obj) == [], obj["metadata"]["name"]
    apps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Application"}
    root = apps.pop("homelab-production")
    assert root["spec"]["source"]["path"] == "deployments/gitops/argocd/applications"
    assert root["spec"]["syncPolicy"]["automated"] == {
        "prune": True,
        "selfHeal": True,
        "allowEmpty": False,
    }
    assert root["spec"]["syncPolicy"]["syncOptions"] == [
        "CreateNamespace=true",
        "PrunePropagationPolicy=foreground",
        "PruneLast=true",
    ]
    assert sorted(apps) == sorted(r.name for r in stack.file.releases)
    wave = {
        name: int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
        for name, app in apps.items()
    }
    for release in stack.file.releases:
        for need in release.needs:
            assert wave[need.split("/")[-1]] < wave[release.name], (need, release.name)
    tiers = list(stack.file.tiers)
    for a in stack.file.releases:
        for b in stack.file.releases:
            if tiers.index(a.tier) < tiers.index(b.tier):
                assert wave[a.name] < wave[b.name]
    grafana = apps["grafana"]["spec"]
    assert grafana["syncPolicy"]["retry"] == {
        "limit": 5,
        "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"},
    }
    assert grafana["destination"]["namespace"] == "monitoring"
    assert grafana["source"]["path"] == "helm/charts/web-app"
    assert grafana["source"]["helm"]["valuesObject"]["global"]["environment"] == "production"
    longhorn = apps["longhorn"]["spec"]["source"]["helm"]["valuesObject"]
    assert longhorn["replicas"] == 3 and longhorn["storageClass"]["name"] == "longhorn"


def test_argocd_project_allows_exactly_the_stack(
    stack: Stack, tmp_path: Path, outputs: Path
) -> None:
    _render(stack, "argocd", tmp_path, outputs)
    (project,) = _objects(tmp_path, "argocd/applications/project.yaml")
    assert project["kind"] == "AppProject"
    assert project["spec"]["sourceRepos"] == [REPO_URL]
    namespaces = {d["namespace"] for d in project["spec"]["destinations"]}
    assert namespaces == {r.namespace for r in stack.file.releases}
    kinds = {(k["group"], k["kind"]) for k in project["spec"]["clusterResourceWhitelist"]}
    # The cluster-scoped kinds the stack renders: longhorn's StorageClass, postgres's webhooks.
    assert kinds == {
        ("", "Namespace"),
        ("storage.k8s.io", "StorageClass"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    }


def test_flux_objects_are_valid_with_depends_on_from_needs(
    stack: Stack, tmp_path: Path, outputs: Path
) -> None:
    _render(stack, "flux", tmp_path, outputs)
    objects = _objects(tmp_path, "flux/**/*.yaml")
    for obj in objects:
        assert crd_errors(obj) == [], obj["metadata"]["name"]
    releases = {o["metadata"]["name"]: o for o in objects if o["kind"] == "HelmRelease"}
    assert sorted(releases) == sorted(r.name for r in stack.file.releases)
    for release in stack.file.releases:
        depends = [d["name"] for d in releases[release.name]["spec"].get("dependsOn", [])]
        assert depends == [need.split("/")[-1] for need in release.needs]
        spec = releases[release.name]["spec"]
        assert spec["timeout"] == f"{release.timeout}s"
        assert spec["install"]["remediation"]["retries"] == 5
        assert spec["targetNamespace"] == release.namespace
    assert releases["homepage"]["spec"]["chart"]["spec"]["chart"] == "./helm/charts/web-app"
    tiers = [o for o in objects if o["kind"] == "Kustomization"]
    assert [t["metadata"]["name"] for t in tiers] == [f"homelab-{t}" for t in stack.file.tiers]
    assert all(t["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1" for t in tiers)
    assert all("validation" not in t["spec"] for t in tiers)
    assert tiers[1]["spec"]["dependsOn"] == [{"name": "homelab-infrastructure"}]
    checked = {c["name"] for c in tiers[2]["spec"]["healthChecks"]}
    assert checked == {"prometheus", "loki", "grafana"}
    assert (tmp_path / "flux/clusters/homelab/sources.yaml").is_file()


def test_the_seed_kustomization_no_longer_validates() -> None:
    seed = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1beta2",
        "kind": "Kustomization",
        "metadata": {"name": "infrastructure", "namespace": "flux-system"},
        "spec": {
            "interval": "10m",
            "sourceRef": {"kind": "GitRepository", "name": "homelab-infra"},
            "path": "./kubernetes/infrastructure",
            "prune": True,
            "validation": "client",
        },
    }
    assert crd_errors(seed) == ["no CRD serves kustomize.toolkit.fluxcd.io/v1beta2 Kustomization"]
    seed["apiVersion"] = "kustomize.toolkit.fluxcd.io/v1"
    assert any("validation" in e for e in crd_errors(seed))


def test_manifests_one_file_per_object_valid_and_byte_identical(
    stack: Stack, tmp_path: Path, outputs: Path
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    _render(stack, "manifests", first, outputs)
    _render(stack, "manifests", second, outputs)
    assert read_tree(first) == read_tree(second)
    files = sorted(first.glob("manifests/**/*.yaml"))
    objects = [_objects(first, str(f.relative_to(first))) for f in files]
    assert all(len(docs) == 1 for docs in objects)
    state = desired_state(stack, "production", outputs_file=outputs)
    assert len(files) == sum(len(item.objects()) for item in state.releases) > 30
    for (obj,) in objects:
        assert core_errors(obj) == [], obj["metadata"]["name"]
    homepage = first / "manifests/apps/homepage/deployment-homepage.yaml"
    assert yaml.safe_load(homepage.read_text())["spec"]["replicas"] == 3


def test_rerender_drops_objects_no_longer_desired_and_keeps_other_flavors(
    stack: Stack, tmp_path: Path, outputs: Path
) -> None:
    _render(stack, "argocd", tmp_path, outputs)
    _render(stack, "manifests", tmp_path, outputs)
    stale = tmp_path / "manifests/apps/homepage/configmap-gone.yaml"
    stale.write_text("kind: ConfigMap\n")
    _render(stack, "manifests", tmp_path, outputs)
    assert not stale.exists()
    assert (tmp_path / "argocd/app-of-apps.yaml").is_file()


def test_a_directory_not_written_by_render_is_refused(
    stack: Stack, tmp_path: Path, outputs: Path
) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not written by"):
        _render(stack, "manifests", tmp_path, outputs)
    assert (tmp_path / "manifests" / "keep.txt").read_text() == "mine"


def test_unresolved_terraform_outputs_are_an_error(stack: Stack, tmp_path: Path) -> None:
    partial = tmp_path / "partial.yaml"
    partial.write_text(yaml.safe_dump({"networking": OUTPUTS["networking"]}))
    with pytest.raises(ConfigError) as caught:
        _render(stack, "flux", tmp_path / "out", partial)
    assert "terraform.storage.replica_count" in caught.value.message
    assert caught.value.hint is not None and "--terraform-outputs" in caught.value.hint
