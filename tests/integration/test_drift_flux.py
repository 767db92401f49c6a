"""`unideploy drift` on a release Flux's real helm-controller deployed (sandbox `--gitops flux`).

A HelmRelease with drift detection enabled (as `gitops render --flavor flux` writes them)
installs the fixture chart from the sandbox's git repository. Right after, drift is clean; a hand
edit is reported with the HelmRelease that owns the object and the fact that Flux corrects it,
`--remediate` leaves it to Flux, and Flux's next reconcile does revert it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.integration.deploy_support import unideploy
from tests.integration.flux_support import (  # noqa: F401 (flux: the fixture)
    flux,
    git,
    poll,
    request_reconcile,
)
from tests.integration.sandbox_cluster import Cluster

pytestmark = pytest.mark.cluster

CHART = Path(__file__).resolve().parents[1] / "fixtures" / "charts" / "flux-hello"
NAMESPACE = "drift-flux"
RELEASE = "hello"
HELM_RELEASES = "helmreleases.helm.toolkit.fluxcd.io"


def _flux_release(url: str, branch: str) -> str:
    return f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: charts, namespace: {NAMESPACE}}}
spec: {{url: {url}, interval: 10s, ref: {{branch: {branch}}}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {RELEASE}, namespace: {NAMESPACE}}}
spec:
  interval: 10s
  releaseName: {RELEASE}
  targetNamespace: {NAMESPACE}
  storageNamespace: {NAMESPACE}
  driftDetection: {{mode: enabled}}
  chart:
    spec:
      chart: ./charts/flux-hello
      reconcileStrategy: Revision
      sourceRef: {{kind: GitRepository, name: charts}}
"""


def _stack(root: Path, kubeconfig: Path) -> Path:
    root.mkdir()
    (root / "stack.yaml").write_text(
        "apiVersion: unideploy.io/v1\nname: fluxed\ntiers: [apps]\n"
        "environments:\n  development:\n    values: [values.yaml]\n"
        f"    cluster: {{kubeconfig: {kubeconfig}, context: unideploy-sandbox}}\n"
        f"releases:\n  - {{name: {RELEASE}, namespace: {NAMESPACE}, tier: apps, "
        f"chart: {{path: {CHART}}}}}\n"
    )
    (root / "values.yaml").write_text("{}\n")
    return root


def _drift(stack: Path, *args: str) -> dict[str, Any]:
    done = unideploy(stack, "drift", "-e", "development", "--skip-terraform", *args, "-o", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_drift_names_flux_as_owner_and_flux_reverts_the_edit(
    flux: tuple[Cluster, dict[str, Any]],  # noqa: F811
    tmp_path: Path,
) -> None:
    cluster, status = flux
    gitops = status["gitops"]
    work = tmp_path / "work"
    shutil.copytree(CHART, work / "charts" / "flux-hello")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "chart")
    git(work, "push", "-q", gitops["repository"], "HEAD:refs/heads/main")
    cluster.kubectl("create", "namespace", NAMESPACE)
    cluster.kubectl("apply", "-f", "-", input_text=_flux_release(gitops["url"], gitops["branch"]))

    def state() -> dict[str, Any]:
        obj: dict[str, Any] = cluster.get_json(f"{HELM_RELEASES}/{RELEASE}", namespace=NAMESPACE)
        return {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}

    poll(
        "HelmRelease Ready=True",
        lambda: state().get("Ready", {}).get("status") == "True",
        status,
        lambda: json.dumps(state()),
    )
    stack = _stack(tmp_path / "stack", cluster.kubeconfig)

    clean = _drift(stack)
    assert clean["summary"] == {"drifted": 0, "missing": 0, "extra": 0}, clean["objects"]

    cluster.kubectl(
        "patch", "configmap", f"{RELEASE}-greeting", "-n", NAMESPACE,
        "--type", "merge", "-p", '{"data": {"greeting": "edited by hand"}}',
    )  # fmt: skip
    edited = _drift(stack, "--remediate")
    (drifted,) = edited["objects"]
    assert drifted["object"] == f"ConfigMap {NAMESPACE}/{RELEASE}-greeting"
    owner = drifted["managed_by"]
    assert (owner["tool"], owner["kind"], owner["namespace"], owner["name"]) == (
        "Flux", "HelmRelease", NAMESPACE, RELEASE,
    )  # fmt: skip
    assert owner["corrects_drift"] is True
    (repair,) = edited["remediation"]
    assert repair["action"] == "left", repair
    live = cluster.get_json("configmap", f"{RELEASE}-greeting", namespace=NAMESPACE)
    assert live["data"]["greeting"] == "edited by hand", "remediation touched a Flux object"

    request_reconcile(cluster, HELM_RELEASES, RELEASE, NAMESPACE, "after-edit")

    def reverted() -> bool:
        obj = cluster.get_json("configmap", f"{RELEASE}-greeting", namespace=NAMESPACE)
        return bool(obj["data"]["greeting"] == "hello")

    poll("Flux reverting the hand edit", reverted, status, lambda: "still edited")
    after = _drift(stack)
    assert after["summary"] == {"drifted": 0, "missing": 0, "extra": 0}, after["objects"]
