"""drift on the sandbox: clean after deploy, exact after hand edits, clean after --remediate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.integration.deploy_support import apps_stack, unideploy
from tests.integration.sandbox_cluster import Cluster

from unideploy.cli import main as cli_main

pytestmark = pytest.mark.cluster


def drift(stack: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    """Run `unideploy drift -o json` in-process and return (exit code, document)."""
    capsys.readouterr()
    argv = ["--stack", str(stack), "drift", "-e", "development", "-o", "json", *args]
    code = cli_main.main(argv)
    return code, json.loads(capsys.readouterr().out)


def by_object(document: Any) -> dict[str, dict[str, Any]]:
    return {o["object"]: o for o in document["objects"]}


@pytest.fixture
def deployed(
    sandbox: Cluster, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    stack = apps_stack(tmp_path / "stack", sandbox.kubeconfig, namespace)
    done = unideploy(stack, "deploy", "-e", "development")
    assert done.returncode == 0, done.stdout + done.stderr
    return stack


def test_drift_reports_hand_edits_exactly_and_remediate_repairs_them(
    sandbox: Cluster, namespace: str, deployed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, fresh = drift(deployed, capsys, "--detailed-exitcode")
    assert (code, fresh["objects"], fresh["drift"]) == (0, [], False)
    # app, cache, frontend: ServiceAccount, Service, Deployment each; app's settings ConfigMap.
    assert fresh["checked"] == 10

    ns = ["-n", namespace]
    sandbox.kubectl("scale", "deployment", "app", "--replicas=5", *ns)
    sandbox.kubectl(
        "patch",
        "configmap",
        "app-settings",
        "--type=merge",
        "-p",
        '{"data":{"greeting":"hi"}}',
        *ns,
    )
    sandbox.kubectl("delete", "service", "cache", *ns)
    sandbox.kubectl("label", "deployment", "frontend", "edited-by=hand", *ns)
    # An HPA owns cache's replicas; the controller's write is not drift.
    sandbox.kubectl("autoscale", "deployment", "cache", "--min=1", "--max=6", *ns)
    sandbox.kubectl(
        "patch", "deployment", "cache", "--subresource=scale", "--type=merge",
        "-p", '{"spec":{"replicas":4}}', "--field-manager=kube-controller-manager", *ns,
    )  # fmt: skip

    code, found = drift(deployed, capsys, "--detailed-exitcode")
    assert code == 3
    objects = by_object(found)
    assert sorted(objects) == sorted(
        [
            f"Deployment {namespace}/app",
            f"ConfigMap {namespace}/app-settings",
            f"Service {namespace}/cache",
            f"Deployment {namespace}/frontend",
        ]
    )
    fields = lambda key: [(f["path"], f["live"], f["desired"]) for f in objects[key]["fields"]]  # noqa: E731
    assert fields(f"Deployment {namespace}/app") == [("spec.replicas", 5, 2)]
    assert fields(f"ConfigMap {namespace}/app-settings") == [("data.greeting", "hi", "hello")]
    assert objects[f"Service {namespace}/cache"]["state"] == "missing"
    label = objects[f"Deployment {namespace}/frontend"]["fields"]
    assert [(f["path"], f["live"], f["extra"]) for f in label] == [
        ("metadata.labels.edited-by", "hand", True)
    ]
    assert found["summary"] == {"drifted": 3, "missing": 1, "extra": 0}

    # Without --force-conflicts, fields kubectl took over are reported, not overwritten.
    code, first = drift(deployed, capsys, "--remediate")
    assert code == 1
    actions = {r["object"]: r["action"] for r in first["remediation"]}
    assert actions[f"Service {namespace}/cache"] == "created"
    assert actions[f"Deployment {namespace}/frontend"] == "cleaned"
    assert actions[f"Deployment {namespace}/app"] == "conflict"
    conflict = next(r for r in first["remediation"] if r["action"] == "conflict")
    assert "kubectl" in conflict["detail"]
    assert sandbox.get_json("deployment", "app", namespace=namespace)["spec"]["replicas"] == 5

    code, second = drift(deployed, capsys, "--remediate", "--force-conflicts")
    assert code == 0
    assert {r["action"] for r in second["remediation"]} == {"applied"}
    assert sandbox.get_json("deployment", "app", namespace=namespace)["spec"]["replicas"] == 2
    settings = sandbox.get_json("configmap", "app-settings", namespace=namespace)
    assert settings["data"]["greeting"] == "hello"
    assert (
        "edited-by"
        not in sandbox.get_json("deployment", "frontend", namespace=namespace)["metadata"]["labels"]
    )

    code, clean = drift(deployed, capsys, "--detailed-exitcode")
    assert (code, clean["objects"]) == (0, [])
    assert sandbox.get_json("deployment", "cache", namespace=namespace)["spec"]["replicas"] == 4


def test_extra_objects_are_reported_and_pruned(
    sandbox: Cluster, namespace: str, deployed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leftover = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "old-settings",
            "namespace": namespace,
            "annotations": {
                "meta.helm.sh/release-name": "app",
                "meta.helm.sh/release-namespace": namespace,
            },
        },
        "data": {"stale": "yes"},
    }
    sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(leftover))
    code, found = drift(deployed, capsys, "--detailed-exitcode")
    assert code == 3
    assert [(o["object"], o["state"], o["release"]) for o in found["objects"]] == [
        (f"ConfigMap {namespace}/old-settings", "extra", f"{namespace}/app")
    ]
    code, kept = drift(deployed, capsys, "--remediate")
    assert code == 0 and kept["remediation"][0]["action"] == "kept"
    code, pruned = drift(deployed, capsys, "--remediate", "--prune")
    assert code == 0 and pruned["remediation"][0]["action"] == "pruned"
    gone = sandbox.kubectl("get", "configmap", "old-settings", "-n", namespace, check=False)
    assert gone.returncode != 0
    code, clean = drift(deployed, capsys, "--detailed-exitcode")
    assert (code, clean["objects"]) == (0, [])


def test_text_output_names_objects_and_fields(
    sandbox: Cluster, namespace: str, deployed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.kubectl("label", "configmap", "app-settings", "note=x", "-n", namespace)
    capsys.readouterr()
    code = cli_main.main(["--stack", str(deployed), "drift", "-e", "development"])
    text = capsys.readouterr().out
    assert code == 0
    assert f"~ ConfigMap {namespace}/app-settings" in text
    assert "metadata.labels.note: added by hand" in text
    assert "drift found" in text


def test_a_deploy_after_remediation_meets_no_conflicts(
    sandbox: Cluster, namespace: str, deployed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.kubectl("scale", "deployment", "app", "--replicas=5", "-n", namespace)
    sandbox.kubectl("delete", "configmap", "app-settings", "-n", namespace)
    code, repaired = drift(deployed, capsys, "--remediate", "--force-conflicts")
    assert code == 0
    managers = repaired["field_managers"]
    assert {r["detail"] for r in repaired["remediation"]} == {
        f"as field manager {managers[f'{namespace}/app']}"
    }
    recreated = sandbox.get_json("configmap", "app-settings", namespace=namespace)
    assert recreated["metadata"]["annotations"]["meta.helm.sh/release-name"] == "app"

    done = unideploy(
        deployed, "deploy", "-e", "development",
        "--set", "app.settings.greeting=hey", "--set", "global.replicas.min=3",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    settings = sandbox.get_json("configmap", "app-settings", namespace=namespace)
    assert settings["data"]["greeting"] == "hey"
    assert sandbox.get_json("deployment", "app", namespace=namespace)["spec"]["replicas"] == 3
