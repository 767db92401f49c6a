"""Flux's real controllers on the sandbox (`sandbox up --gitops flux`) reconcile a pushed commit.

A commit pushed with real `git` to the sandbox's bare repository (by its path) holds a plain
ConfigMap under apps/plain and the fixture chart tests/fixtures/charts/flux-hello. A GitRepository
(the sandbox git server's URL), a Kustomization for the path and a HelmRelease whose chart comes
from the GitRepository must all become Ready=True, the objects must exist (the chart's as the Helm
SDK renders them), and a second push must become the Kustomization's lastAppliedRevision.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.integration.flux_support import flux, git, poll  # noqa: F401 (flux: the fixture)
from tests.integration.sandbox_cluster import Cluster

from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.sandbox.flux import COMPONENTS
from unideploy.sandbox.kubeconfig import CONTEXT

pytestmark = pytest.mark.cluster

CHART = Path(__file__).resolve().parents[1] / "fixtures" / "charts" / "flux-hello"
NAMESPACE = "flux-e2e"
RELEASE = "hello"


def plain_configmap(message: str) -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n"
        f"data:\n  message: {json.dumps(message)}\n"
    )


def push(work: Path, repository: Path, message: str) -> str:
    """Write the plain ConfigMap with `message`, commit, push to the bare repo; return the sha."""
    (work / "apps" / "plain" / "configmap.yaml").write_text(plain_configmap(message))
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", f"plain: {message}")
    git(work, "push", "-q", str(repository), "HEAD:refs/heads/main")
    return git(work, "rev-parse", "HEAD")


def flux_objects(url: str, branch: str) -> str:
    meta = f"  namespace: {NAMESPACE}\n"
    return f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: sandbox
{meta}spec:
  url: {url}
  interval: 10s
  ref:
    branch: {branch}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: plain
{meta}spec:
  interval: 10s
  path: ./apps/plain
  prune: true
  targetNamespace: {NAMESPACE}
  sourceRef:
    kind: GitRepository
    name: sandbox
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {RELEASE}
{meta}spec:
  interval: 10s
  chart:
    spec:
      chart: ./charts/flux-hello
      reconcileStrategy: Revision
      sourceRef:
        kind: GitRepository
        name: sandbox
"""


def conditions(cluster: Cluster, resource: str, name: str) -> dict[str, dict[str, Any]]:
    found = cluster.kubectl("get", resource, name, "-n", NAMESPACE, "-o", "json", check=False)
    if found.returncode != 0:
        return {}
    obj: dict[str, Any] = json.loads(found.stdout)
    return {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}


def test_flux_reconciles_a_pushed_kustomization_and_helm_release(
    flux: tuple[Cluster, dict[str, Any]],  # noqa: F811
    tmp_path: Path,
) -> None:
    cluster, status = flux
    gitops = status["gitops"]
    assert gitops["flavor"] == "flux"
    assert gitops["url"].startswith("http://127.0.0.1:")
    repository = Path(gitops["repository"])
    assert (repository / "HEAD").is_file(), "the bare repository was not created"
    running = {c["name"] for c in status["components"] if c["running"]}
    assert set(COMPONENTS) <= running
    assert status["network_isolated"] is True  # the controllers share the loopback-only namespace

    work = tmp_path / "work"
    (work / "apps" / "plain").mkdir(parents=True)
    shutil.copytree(CHART, work / "charts" / "flux-hello")
    git(work, "init", "-q", "-b", "main")
    first = push(work, repository, "first")

    cluster.kubectl("create", "namespace", NAMESPACE)
    cluster.kubectl("apply", "-f", "-", input_text=flux_objects(gitops["url"], gitops["branch"]))

    for resource, name in (
        ("gitrepositories.source.toolkit.fluxcd.io", "sandbox"),
        ("kustomizations.kustomize.toolkit.fluxcd.io", "plain"),
        ("helmreleases.helm.toolkit.fluxcd.io", RELEASE),
    ):
        poll(
            f"{resource}/{name} Ready=True",
            lambda r=resource, n=name: (
                conditions(cluster, r, n).get("Ready", {}).get("status") == "True"
            ),
            status,
            lambda r=resource, n=name: json.dumps(conditions(cluster, r, n)),
        )

    source = cluster.get_json(
        "gitrepositories.source.toolkit.fluxcd.io/sandbox", namespace=NAMESPACE
    )
    assert source["status"]["artifact"]["revision"] == f"main@sha1:{first}"
    plain = cluster.get_json("configmap", "plain", namespace=NAMESPACE)
    assert plain["data"] == {"message": "first"}

    # What the chart holds, as the Helm SDK renders it, must be live.
    helm = SdkHelm(cluster.kubeconfig, CONTEXT, cache=ChartCache(tmp_path / "charts"))
    rendered = helm.render(ReleaseSpec(RELEASE, NAMESPACE, str(CHART))).manifests
    assert rendered, "the fixture chart rendered nothing"
    for manifest in rendered:
        kind, name = str(manifest["kind"]).lower(), manifest["metadata"]["name"]
        live = cluster.get_json(kind, name, namespace=NAMESPACE)
        labels = live["metadata"].get("labels", {})
        assert labels.get("helm.toolkit.fluxcd.io/name") == RELEASE, (kind, name, labels)
        if kind == "configmap":
            assert live["data"] == manifest["data"]

    second = push(work, repository, "second")
    assert second != first
    cluster.kubectl(
        "annotate",
        "--overwrite",
        "-n",
        NAMESPACE,
        "gitrepositories.source.toolkit.fluxcd.io/sandbox",
        f"reconcile.fluxcd.io/requestedAt=push-{second[:12]}",
    )

    def applied() -> str:
        obj = cluster.get_json(
            "kustomizations.kustomize.toolkit.fluxcd.io/plain", namespace=NAMESPACE
        )
        return str(obj.get("status", {}).get("lastAppliedRevision", ""))

    poll(
        "the second commit applied",
        lambda: applied() == f"main@sha1:{second}",
        status,
        lambda: f"lastAppliedRevision={applied()!r}, want main@sha1:{second}",
    )
    plain = cluster.get_json("configmap", "plain", namespace=NAMESPACE)
    assert plain["data"] == {"message": "second"}
