"""Field ownership on the sandbox: a `kubectl scale` stops the deploy before any apply, with the
owner and both ways out; `--force-conflicts` takes the field back; autoscaled replicas and
fields listed under `leaveToOthers` are left to their owner by deploy, diff and drift alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.deploy_support import apps_stack, unideploy
from tests.integration.sandbox_cluster import Cluster

from unideploy.engines.helm.fieldmanager import as_helm_applies
from unideploy.engines.helm.live import deployed_manifest
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.engines.kube.client import KubeReader, api_client
from unideploy.engines.kube.conflicts import dry_run_as
from unideploy.engines.kube.fieldsets import may_conflict
from unideploy.exitcodes import ExitCode

pytestmark = pytest.mark.cluster


@pytest.fixture
def deployed(sandbox: Cluster, namespace: str, tmp_path: Path) -> Path:
    stack = apps_stack(tmp_path / "stack", sandbox.kubeconfig, namespace)
    done = unideploy(stack, "deploy", "-e", "development")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return stack


def replicas(sandbox: Cluster, name: str, namespace: str) -> int:
    return int(sandbox.get_json("deployment", name, namespace=namespace)["spec"]["replicas"])


def revisions(sandbox: Cluster, release: str, namespace: str) -> list[int]:
    helm = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox")
    try:
        return [r.revision for r in helm.history(release, namespace)]
    finally:
        helm.close()


def drift_code(stack: Path) -> tuple[int, str]:
    done = unideploy(stack, "drift", "-e", "development", "--detailed-exitcode", "--skip-terraform")
    return done.returncode, done.stdout + done.stderr


def test_kubectl_scale_stops_the_deploy_until_force_conflicts(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    before = revisions(sandbox, "app", namespace)
    sandbox.kubectl("scale", "deployment", "app", "--replicas=7", "-n", namespace)

    refused = unideploy(deployed, "deploy", "-e", "development", "-o", "json")
    assert refused.returncode == ExitCode.NEEDS_DECISION, refused.stdout[-3000:]
    record = json.loads(refused.stdout)
    step = next(s for p in record["phases"] for s in p["steps"] if s["id"] == "helm/app")
    assert step["status"] == "failed"
    conflicts = step["details"]["ownership"]["conflicts"]
    assert [(c["object"], c["field"], c["manager"], c["operation"], c["subresource"])
            for c in conflicts] == [
        (f"Deployment {namespace}/app", "spec.replicas", "kubectl", "Update", "scale")
    ]  # fmt: skip
    assert (conflicts[0]["live"], conflicts[0]["desired"]) == (7, 2)
    for words in ("Deployment", "spec.replicas", "kubectl", "--force-conflicts", "leaveToOthers"):
        assert words in step["reason"]
    assert revisions(sandbox, "app", namespace) == before
    assert replicas(sandbox, "app", namespace) == 7

    forced = unideploy(deployed, "deploy", "-e", "development", "--force-conflicts")
    assert forced.returncode == 0, forced.stdout[-3000:] + forced.stderr[-2000:]
    assert replicas(sandbox, "app", namespace) == 2
    code, text = drift_code(deployed)
    assert code == 0, text


def diff_code(stack: Path) -> tuple[int, str]:
    done = unideploy(stack, "diff", "-e", "development", "--detailed-exitcode", "--skip-terraform")
    return done.returncode, done.stdout + done.stderr


def test_replicas_an_autoscaler_set_stay_and_are_neither_diff_nor_drift(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    ns = ["-n", namespace]
    sandbox.kubectl("autoscale", "deployment", "cache", "--min=1", "--max=6", *ns)
    sandbox.kubectl(
        "patch", "deployment", "cache", "--subresource=scale", "--type=merge",
        "-p", '{"spec":{"replicas":5}}', "--field-manager=kube-controller-manager", *ns,
    )  # fmt: skip
    assert diff_code(deployed)[0] == 0
    before = revisions(sandbox, "cache", namespace)
    done = unideploy(deployed, "deploy", "-e", "development")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    # Helm upgraded the release (a new revision) and applied the autoscaler's value.
    assert len(revisions(sandbox, "cache", namespace)) == len(before) + 1
    assert replicas(sandbox, "cache", namespace) == 5
    assert replicas(sandbox, "app", namespace) == 2
    code, text = diff_code(deployed)
    assert code == 0, text
    code, text = drift_code(deployed)
    assert code == 0, text


def test_a_field_left_to_others_in_stack_yaml_is_neither_conflict_nor_drift(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    stack_file = deployed / "stack.yaml"
    text = stack_file.read_text().replace(
        "    tier: backend\n    timeout: 15\n  - name: cache",
        "    tier: backend\n    timeout: 15\n"
        "    leaveToOthers:\n"
        "      - {kind: Deployment, name: app, fields: [spec.replicas]}\n"
        "  - name: cache",
        1,
    )
    assert "leaveToOthers" in text
    stack_file.write_text(text)
    sandbox.kubectl("scale", "deployment", "app", "--replicas=4", "-n", namespace)

    code, shown = diff_code(deployed)
    assert code == 0, shown
    code, shown = drift_code(deployed)
    assert code == 0, shown
    done = unideploy(deployed, "deploy", "-e", "development", "-o", "json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    step = next(
        s for p in json.loads(done.stdout)["phases"] for s in p["steps"] if s["id"] == "helm/app"
    )
    assert step["details"]["ownership"] == {
        "conflicts": [],
        "left_to_others": [{"object": f"Deployment {namespace}/app", "fields": ["spec.replicas"]}],
    }
    assert replicas(sandbox, "app", namespace) == 4
    assert drift_code(deployed)[0] == 0


def test_rollback_after_kubectl_scale_takes_the_replicas_back(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    first = unideploy(deployed, "history", "-e", "development", "-o", "json")
    assert first.returncode == 0, first.stderr[-2000:]
    runs = json.loads(first.stdout)
    run_id = (runs[0] if isinstance(runs, list) else runs["runs"][0])["run_id"]
    changed = unideploy(
        deployed, "deploy", "-e", "development", "--set", "app.settings.greeting=hey"
    )
    assert changed.returncode == 0, changed.stdout[-2000:]
    sandbox.kubectl("scale", "deployment", "app", "--replicas=7", "-n", namespace)

    back = unideploy(deployed, "rollback", "-e", "development", "--to", run_id)
    assert back.returncode == 0, back.stdout[-3000:] + back.stderr[-2000:]
    assert replicas(sandbox, "app", namespace) == 2
    settings = sandbox.get_json("configmap", "app-settings", namespace=namespace)
    assert settings["data"]["greeting"] == "hello"


def test_doctor_names_the_way_out_of_a_conflict(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    sandbox.kubectl("scale", "deployment", "app", "--replicas=3", "-n", namespace)
    done = unideploy(deployed, "doctor", "-e", "development", "-o", "json")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    findings = json.loads(done.stdout)["findings"]
    assert [(f["area"], f["subject"]) for f in findings] == [("helm", f"{namespace}/app")]
    assert "spec.replicas" in findings[0]["problem"] and "kubectl" in findings[0]["problem"]
    assert "unideploy deploy -e development --force-conflicts" in findings[0]["fix"]
    assert "leaveToOthers" in findings[0]["fix"]


def test_objects_told_conflict_free_locally_are_conflict_free_on_the_server(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    """The shortcut that skips the dry run agrees with the API server's own dry run."""
    helm = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox")
    try:
        manifests = deployed_manifest(helm._config(namespace), "app")
    finally:
        helm.close()
    assert manifests, "release app has no deployed manifest"
    for manifest in manifests:  # a label of another manager on every object: no overlap
        kind, name = manifest["kind"].lower(), manifest["metadata"]["name"]
        sandbox.kubectl("label", kind, name, "team=platform", "-n", namespace)
    sandbox.kubectl("scale", "deployment", "app", "--replicas=7", "-n", namespace)

    api = api_client(sandbox.kubeconfig, "unideploy-sandbox")
    decided: dict[str, tuple[bool, int]] = {}
    for manifest in manifests:
        body = as_helm_applies(manifest, "app", namespace)
        kind, name = manifest["kind"], manifest["metadata"]["name"]
        live = KubeReader(api).get(manifest["apiVersion"], kind, namespace, name)
        assert live is not None, f"{kind} {name} is not live"
        manager = next(e["manager"] for e in live["metadata"]["managedFields"]
                       if e["operation"] == "Apply")  # fmt: skip
        answer = dry_run_as(
            api, body, live, namespace=namespace, field_manager=manager, label=f"{kind} {name}"
        )
        assert not answer.error, answer.error
        decided[f"{kind}/{name}"] = (may_conflict(body, live, manager), len(answer.conflicts))
    assert decided.pop("Deployment/app") == (True, 1)  # kubectl owns spec.replicas
    assert decided and all(value == (False, 0) for value in decided.values()), decided
