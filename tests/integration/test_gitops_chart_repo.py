"""Local charts through the sandbox's chart repository: `gitops render --chart-repo sandbox`.

A two-release stack (one local chart, two tiers, a `needs`) is rendered for Flux with
`--push --chart-repo sandbox`: the chart is packaged at `<version>+<content digest>` into the
sandbox's chart repository (served on 127.0.0.1 inside the sandbox namespace), the pushed tree
holds the rendering only, and `gitops bootstrap --apply` starts Flux on it. Against what the
real controllers wrote: source-controller fetched the chart from the HelmRepository, both
HelmReleases are Ready at that version, their objects equal the Helm SDK render, `gitops
status` is healthy including the HelmRepository; then an edit of the chart without a version
bump is a new version that Flux fetches and applies after the next push.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.integration.deploy_support import unideploy
from tests.integration.flux_support import flux, git, poll  # noqa: F401 (flux: the fixture)
from tests.integration.sandbox_cluster import Cluster

from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.sandbox.kubeconfig import CONTEXT

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

CHART = Path(__file__).resolve().parents[1] / "fixtures" / "charts" / "flux-hello"
ENV = "development"
NS = "flux-system"
APP_NS = "charts-e2e"
HELMRELEASE = "helmreleases.helm.toolkit.fluxcd.io"
STACK = f"""\
apiVersion: unideploy.io/v1
name: charts-e2e
tiers: [backend, frontend]
environments:
  {ENV}:
    values: [values.yaml]
    cluster: {{kubeconfig: KUBECONFIG, context: {CONTEXT}}}
releases:
  - name: greeter
    namespace: {APP_NS}
    chart: {{path: charts/flux-hello}}
    tier: backend
  - name: front
    namespace: {APP_NS}
    chart: {{path: charts/flux-hello}}
    tier: frontend
    needs: [greeter]
"""
VALUES = "greeter:\n  greeting: from the chart repository\nfront:\n  port: 9090\n"


def _stack(root: Path, kubeconfig: Path) -> Path:
    shutil.copytree(CHART, root / "charts" / "flux-hello")
    (root / "stack.yaml").write_text(STACK.replace("KUBECONFIG", str(kubeconfig)))
    (root / "values.yaml").write_text(VALUES)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "stack")
    return root


def _render_push(stack: Path) -> dict[str, Any]:
    done = unideploy(
        stack, "gitops", "render", "-e", ENV, "--flavor", "flux", "--out", str(stack / "gitops"),
        "--push", "--chart-repo", "sandbox", "-o", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["push"]["sandbox"] is True and report["push"]["wake_error"] is None, report
    return report


def _versions(cluster: Cluster) -> dict[str, str]:
    """Each HelmRelease's installed chart version once Ready=True (else empty)."""
    found: dict[str, str] = {}
    for release in cluster.get_json(HELMRELEASE, namespace=NS)["items"]:
        status = release.get("status") or {}
        ready = [c for c in status.get("conditions", []) if c["type"] == "Ready"]
        history = status.get("history") or [{}]
        if (
            ready
            and ready[0]["status"] == "True"
            and ready[0].get("observedGeneration") == (release["metadata"]["generation"])
        ):
            found[release["metadata"]["name"]] = str(history[0].get("chartVersion", ""))
    return found


def test_local_charts_reach_flux_through_the_sandbox_chart_repository(
    flux: tuple[Cluster, dict[str, Any]],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster, status = flux
    gitops = status["gitops"]
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "unideploy tests")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "tests@unideploy.invalid")
    stack = _stack(tmp_path / "stack", cluster.kubeconfig)

    report = _render_push(stack)
    charts = report["charts"]
    assert charts["repository"] == gitops["charts_url"]
    (chart,) = charts["charts"]
    version = chart["version"]
    assert version.startswith("0.1.0+") and charts["packaged"] == [f"flux-hello-{version}.tgz"]
    assert (Path(gitops["charts"]) / charts["packaged"][0]).is_file()
    tree = git(Path(gitops["repository"]), "ls-tree", "-r", "--name-only", "main").split()
    assert "flux/clusters/charts-e2e/sources.yaml" in tree
    assert not [path for path in tree if path.startswith("charts/")], tree  # rendering only

    done = unideploy(stack, "gitops", "bootstrap", "-e", ENV, "--apply")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    want = {"greeter": version, "front": version}
    poll(
        "both HelmReleases Ready=True at the published version",
        lambda: _versions(cluster) == want,
        status,
        lambda: json.dumps(_versions(cluster)),
        deadline_s=300,
    )
    for helm_chart in cluster.get_json("helmcharts.source.toolkit.fluxcd.io", namespace=NS)[
        "items"
    ]:
        assert helm_chart["spec"]["sourceRef"]["kind"] == "HelmRepository", helm_chart["spec"]
        assert helm_chart["status"]["artifact"]["revision"] == version
    front = cluster.get_json(HELMRELEASE, "front", namespace=NS)
    assert front["spec"]["dependsOn"] == [{"name": "greeter"}]

    helm = SdkHelm(cluster.kubeconfig, CONTEXT, cache=ChartCache(tmp_path / "cache"))
    values = {"greeter": {"greeting": "from the chart repository"}, "front": {"port": 9090}}
    for name, given in values.items():
        spec = ReleaseSpec(name, APP_NS, str(stack / "charts" / "flux-hello"), values=given)
        for manifest in helm.render(spec).manifests:
            kind, object_name = str(manifest["kind"]).lower(), manifest["metadata"]["name"]
            live = cluster.get_json(kind, object_name, namespace=APP_NS)
            assert live["metadata"]["labels"]["helm.toolkit.fluxcd.io/name"] == name
            if kind == "configmap":
                assert live["data"] == manifest["data"]
            else:
                assert live["spec"]["ports"] == [
                    {**manifest["spec"]["ports"][0], "protocol": "TCP"}
                ], live["spec"]["ports"]

    def gitops_status() -> dict[str, Any]:
        shown = unideploy(stack, "gitops", "status", "-e", ENV, "-o", "json", timeout=120)
        assert shown.returncode in (0, 1), shown.stderr[-2000:]
        found: dict[str, Any] = json.loads(shown.stdout)
        return found

    poll(
        "`gitops status` healthy",
        lambda: bool(gitops_status()["healthy"]),
        status,
        lambda: json.dumps([o for o in gitops_status()["objects"] if not o["ok"]])[-3000:],
        deadline_s=300,
    )
    found = gitops_status()
    # The root Kustomization and one per tier.
    assert sorted(o["kind"] for o in found["objects"]) == [
        "GitRepository", "HelmRelease", "HelmRelease", "HelmRepository",
        "Kustomization", "Kustomization", "Kustomization",
    ]  # fmt: skip

    # An edit without a version bump is a new chart version, fetched after the next push.
    template = stack / "charts" / "flux-hello" / "templates" / "configmap.yaml"
    template.write_text(template.read_text() + "  edited: 'yes'\n")
    again = _render_push(stack)
    (edited,) = again["charts"]["charts"]
    assert edited["version"] != version and edited["version"].startswith("0.1.0+")
    assert again["push"]["woken_chart_repositories"], again["push"]
    want = {"greeter": edited["version"], "front": edited["version"]}
    poll(
        "both HelmReleases upgraded to the edited chart",
        lambda: _versions(cluster) == want,
        status,
        lambda: json.dumps(_versions(cluster)),
        deadline_s=300,
    )
    live = cluster.get_json("configmap", "greeter-greeting", namespace=APP_NS)
    assert live["data"] == {"greeting": "from the chart repository", "edited": "yes"}
