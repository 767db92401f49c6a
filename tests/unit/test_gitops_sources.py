"""gitops render: Helm-repository and OCI charts become the right Argo CD and Flux sources."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.fixtures.crds.schemas import crd_errors

from unideploy.config.load import load_stack
from unideploy.engines.helm.contract import ReleaseSpec, Rendered, Revision
from unideploy.errors import ConfigError
from unideploy.gitops.render import RenderRequest, render

STACK = """\
apiVersion: unideploy.io/v1
name: edge
tiers: [base, apps]
environments:
  staging:
    values: [values.yaml]
releases:
  - name: ingress
    namespace: ingress
    chart: {repo: https://charts.example.test/stable, name: ingress-nginx, version: 4.11.2}
    tier: base
  - name: certs
    namespace: certs
    chart: {oci: oci://registry.example.test/charts/cert-manager, version: v1.15.3}
    tier: base
  - name: web
    namespace: apps
    chart: {path: charts/web}
    tier: apps
    needs: [ingress/ingress, certs/certs]
  - name: web
    namespace: other
    chart: {path: charts/web}
    tier: apps
"""


class FakeHelm:
    """Renders one ConfigMap per release and records what it was asked to render."""

    def __init__(self) -> None:
        self.rendered: list[ReleaseSpec] = []

    def render(self, spec: ReleaseSpec, *, live: bool = False) -> Rendered:
        self.rendered.append(spec)
        self.live = live
        domain = str(dict(spec.values).get("global", {}).get("domain"))
        cm = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": spec.name},
            "data": {"domain": domain},
        }
        return Rendered(spec.name, spec.namespace, "c", "1.0.0", "sha", (cm,))

    def upgrade(self, spec: ReleaseSpec, *, cancel: threading.Event | None = None) -> Revision:
        raise AssertionError("render must not install")

    def deployed_manifest(self, name: str, namespace: str) -> tuple[dict[str, Any], ...]:
        return ()

    def rollback(
        self, name: str, namespace: str, revision: int | None = None, **_: Any
    ) -> Revision:
        raise AssertionError("render must not roll back")

    def uninstall(self, name: str, namespace: str, **_: Any) -> bool:
        raise AssertionError("render must not uninstall")

    def history(self, name: str, namespace: str, **_: Any) -> list[Revision]:
        return []

    def releases(self, namespace: str | None = None) -> list[Revision]:
        return []


def _stack(tmp_path: Path) -> Path:
    root = tmp_path / "stack"
    (root / "charts/web").mkdir(parents=True)
    (root / "charts/web/Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (root / "values.yaml").write_text("global: {domain: example.test}\n")
    (root / "stack.yaml").write_text(STACK)
    return root


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_remote_charts_in_argocd(tmp_path: Path) -> None:
    stack = load_stack(_stack(tmp_path) / "stack.yaml")
    helm = FakeHelm()
    request = RenderRequest(
        "staging",
        "argocd",
        tmp_path / "out",
        repo_url="https://git.example.test/edge.git",
        path_in_repo="gitops",
    )
    render(stack, request, helm=helm)
    apps = tmp_path / "out/argocd/applications"
    ingress = _docs(apps / "ingress.yaml")[0]["spec"]["source"]
    assert ingress["repoURL"] == "https://charts.example.test/stable"
    assert (ingress["chart"], ingress["targetRevision"]) == ("ingress-nginx", "4.11.2")
    certs = _docs(apps / "certs.yaml")[0]["spec"]["source"]
    assert certs["repoURL"] == "registry.example.test/charts"
    assert (certs["chart"], certs["targetRevision"]) == ("cert-manager", "v1.15.3")
    # Two releases called "web" in different namespaces get distinct Application names.
    assert (apps / "apps-web.yaml").is_file() and (apps / "other-web.yaml").is_file()
    project = _docs(apps / "project.yaml")[0]
    assert project["spec"]["sourceRepos"] == [
        "https://charts.example.test/stable",
        "https://git.example.test/edge.git",
        "registry.example.test/charts",
    ]
    for path in apps.glob("*.yaml"):
        assert crd_errors(_docs(path)[0]) == []
    assert sorted(s.name for s in helm.rendered) == ["certs", "ingress", "web", "web"]


def test_remote_charts_in_flux(tmp_path: Path) -> None:
    stack = load_stack(_stack(tmp_path) / "stack.yaml")
    request = RenderRequest(
        "staging",
        "flux",
        tmp_path / "out",
        repo_url="https://git.example.test/edge.git",
        path_in_repo="gitops",
        cluster="edge-staging",
    )
    render(stack, request, helm=FakeHelm())
    sources = _docs(tmp_path / "out/flux/clusters/edge-staging/sources.yaml")
    by_kind = {(s["kind"], s["spec"]["url"]): s for s in sources}
    assert ("GitRepository", "https://git.example.test/edge.git") in by_kind
    helm_repo = by_kind[("HelmRepository", "https://charts.example.test/stable")]
    oci_repo = by_kind[("HelmRepository", "oci://registry.example.test/charts")]
    assert "type" not in helm_repo["spec"] and oci_repo["spec"]["type"] == "oci"
    web = _docs(tmp_path / "out/flux/tiers/apps/apps-web.yaml")[0]
    assert web["spec"]["dependsOn"] == [{"name": "ingress"}, {"name": "certs"}]
    certs = _docs(tmp_path / "out/flux/tiers/base/certs.yaml")[0]["spec"]["chart"]["spec"]
    assert certs["sourceRef"] == {"kind": "HelmRepository", "name": oci_repo["metadata"]["name"]}
    assert (certs["chart"], certs["version"]) == ("cert-manager", "v1.15.3")
    for path in (tmp_path / "out/flux").rglob("*.yaml"):
        for doc in _docs(path):
            assert crd_errors(doc) == [], path


def test_ignore_rules_reach_argocd_and_flux(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    (root / "ignore-differences.yaml").write_text(
        "- {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}\n"
    )
    stack = load_stack(root / "stack.yaml")
    for flavor in ("argocd", "flux"):
        request = RenderRequest(
            "staging",
            flavor,
            tmp_path / "out",
            repo_url="https://git.example.test/e.git",
            path_in_repo="gitops",
        )
        render(stack, request, helm=FakeHelm())
    app = _docs(tmp_path / "out/argocd/applications/ingress.yaml")[0]
    assert app["spec"]["ignoreDifferences"] == [
        {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}
    ]
    release = _docs(tmp_path / "out/flux/tiers/base/ingress.yaml")[0]
    assert release["spec"]["driftDetection"]["ignore"] == [
        {"paths": ["/spec/replicas"], "target": {"group": "apps", "kind": "Deployment"}}
    ]
    assert crd_errors(app) == [] and crd_errors(release) == []


def test_secret_values_are_refused_unless_allowed(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    (root / "values.yaml").write_text(
        "global: {domain: example.test}\n"
        "web: {db: {password: hunter2, existingSecret: db-creds}, tls: {secretName: web-tls}}\n"
    )
    stack = load_stack(root / "stack.yaml")
    request = RenderRequest(
        "staging",
        "argocd",
        tmp_path / "out",
        repo_url="https://git.example.test/e.git",
        path_in_repo="gitops",
    )
    with pytest.raises(ConfigError) as caught:
        render(stack, request, helm=FakeHelm())
    assert caught.value.message == (
        "the argocd rendering would put secret values into git: "
        "apps/web: values db.password, other/web: values db.password"
    )
    assert not (tmp_path / "out").exists()
    render(stack, replace(request, allow_secrets=True), helm=FakeHelm())
    app = _docs(tmp_path / "out/argocd/applications/apps-web.yaml")[0]
    assert app["spec"]["source"]["helm"]["valuesObject"]["db"]["password"] == "hunter2"


def test_secret_objects_are_refused_in_plain_manifests(tmp_path: Path) -> None:
    stack = load_stack(_stack(tmp_path) / "stack.yaml")
    helm = FakeHelm()
    original = helm.render

    def with_secret(spec: ReleaseSpec) -> Rendered:
        out = original(spec)
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"k": "eA=="},
        }
        return replace(out, manifests=(*out.manifests, secret))

    helm.render = with_secret  # type: ignore[method-assign]
    request = RenderRequest("staging", "manifests", tmp_path / "out")
    with pytest.raises(ConfigError, match="manifests rendering would put secret values into git"):
        render(stack, request, helm=helm)
