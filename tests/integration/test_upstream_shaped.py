"""Upstream-shaped charts on the sandbox: clean diff, drift and --incremental right after a deploy.

The fixture stack (tests/fixtures/stacks/irregular) installs a CRD whose plural is irregular in a
first tier and, in a second, its object plus NetworkPolicy, Ingress, Endpoints, a lookup-kept
generated password with a `checksum/secret` over it, zero values the API server drops and no
`app.kubernetes.io/managed-by` in the templates (Helm adds it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.integration.deploy_support import irregular_stack, unideploy
from tests.integration.sandbox_cluster import Cluster

from unideploy.engines.helm.sdk import SdkHelm

pytestmark = pytest.mark.cluster

#: Every object the two releases render (kind, name), cluster-scoped ones included.
OBJECTS = (
    ("customresourcedefinition", "prometheuses.{ns}.fixtures.unideploy.io"),
    ("secret", "monitoring-admin"),
    ("configmap", "monitoring-settings"),
    ("deployment", "monitoring"),
    ("serviceaccount", "monitoring"),
    ("role", "monitoring-reader"),
    ("rolebinding", "monitoring-reader"),
    ("priorityclass", "{ns}-monitoring"),
    ("service", "monitoring"),
    ("service", "monitoring-external"),
    ("endpoints", "monitoring-external"),
    ("networkpolicy", "monitoring"),
    ("ingress", "monitoring"),
    ("prometheuses.{ns}.fixtures.unideploy.io", "monitoring"),
)
#: What a server sets on its own; everything else of an object must survive a remediation.
SERVER_SET = ("resourceVersion", "managedFields", "generation", "uid", "creationTimestamp")


def run(stack: Path, *args: str) -> tuple[int, Any]:
    done = unideploy(stack, *args, "-o", "json")
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        pytest.fail(f"{args} exited {done.returncode}: {done.stdout}{done.stderr}")


def snapshot(sandbox: Cluster, namespace: str) -> dict[str, Any]:
    """Every rendered object as the server holds it, minus what the server alone sets."""
    found = {}
    for kind, name in OBJECTS:
        kind, name = kind.format(ns=namespace), name.format(ns=namespace)
        obj = sandbox.get_json(kind, name, namespace=namespace)
        obj.pop("status", None)
        for key in SERVER_SET:
            obj["metadata"].pop(key, None)
        obj["metadata"].get("annotations", {}).pop("deployment.kubernetes.io/revision", None)
        found[f"{kind}/{name}"] = obj
    return found


@pytest.fixture
def deployed(sandbox: Cluster, namespace: str, tmp_path: Path) -> Path:
    stack = irregular_stack(tmp_path / "stack", sandbox.kubeconfig, namespace)
    done = unideploy(stack, "deploy", "-e", "development")
    assert done.returncode == 0, done.stdout + done.stderr
    return stack


def test_diff_drift_and_incremental_are_clean_right_after_a_deploy(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    # The CR of the CRD installed one tier earlier is there under its real plural.
    assert sandbox.get_json(f"prometheuses.{namespace}.fixtures.unideploy.io", "monitoring",
                            namespace=namespace)["spec"]["retention"] == "10d"  # fmt: skip
    code, drift = run(deployed, "drift", "-e", "development", "--detailed-exitcode")
    assert (code, drift["objects"], drift["checked"]) == (0, [], len(OBJECTS))

    code, diff = run(deployed, "diff", "-e", "development", "--detailed-exitcode")
    assert code == 0, diff

    helm = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox")
    before = {name: len(helm.history(name, namespace)) for name in ("definitions", "monitoring")}
    done = unideploy(deployed, "deploy", "-e", "development", "--incremental")
    assert done.returncode == 0, done.stdout + done.stderr
    after = {name: len(helm.history(name, namespace)) for name in ("definitions", "monitoring")}
    assert after == before == {"definitions": 1, "monitoring": 1}


def test_remediate_restores_exactly_the_edited_fields(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    original = snapshot(sandbox, namespace)
    ns = ["-n", namespace]
    prometheus = f"prometheuses.{namespace}.fixtures.unideploy.io"
    sandbox.kubectl("patch", prometheus, "monitoring", "--type=merge",
                    "-p", '{"spec":{"retention":"1d"}}', *ns)  # fmt: skip
    sandbox.kubectl("label", "secret", "monitoring-admin", "app.kubernetes.io/name=edited",
                    "--overwrite", *ns)  # fmt: skip
    sandbox.kubectl("patch", "configmap", "monitoring-settings", "--type=merge",
                    "-p", '{"data":{"greeting":"hi"}}', *ns)  # fmt: skip
    sandbox.kubectl("annotate", "service", "monitoring", "edited-by=hand", *ns)

    code, found = run(deployed, "drift", "-e", "development", "--detailed-exitcode")
    assert code == 3
    fields = {
        (o["object"], f["path"]) for o in found["objects"] for f in o["fields"]
    }  # fmt: skip
    assert fields == {
        (f"Prometheus {namespace}/monitoring", "spec.retention"),
        (f"Secret {namespace}/monitoring-admin", "metadata.labels.app.kubernetes.io/name"),
        (f"ConfigMap {namespace}/monitoring-settings", "data.greeting"),
        (f"Service {namespace}/monitoring", "metadata.annotations.edited-by"),
    }

    code, repaired = run(deployed, "drift", "-e", "development", "--remediate",
                         "--force-conflicts")  # fmt: skip
    assert code == 0, repaired["remediation"]
    # Every object is back as deployed, field for field: the generated password unchanged,
    # Helm's managed-by label and release annotations kept.
    assert snapshot(sandbox, namespace) == original
    code, clean = run(deployed, "drift", "-e", "development", "--detailed-exitcode")
    assert (code, clean["objects"]) == (0, [])


def test_a_failed_upgrade_and_failed_rollback_report_both_and_name_the_webhook(
    sandbox: Cluster, namespace: str, deployed: Path
) -> None:
    # A webhook whose backend is down: its URL is a closed port on loopback (nothing leaves it).
    guard = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": f"{namespace}-guard"},
        "webhooks": [
            {
                "name": "guard.fixtures.unideploy.io",
                "clientConfig": {"url": "https://127.0.0.1:9/validate"},
                "rules": [
                    {
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "operations": ["UPDATE"],
                        "resources": ["configmaps"],
                    }
                ],
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                "failurePolicy": "Fail",
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
                "timeoutSeconds": 2,
            }
        ],
    }
    sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(guard))
    try:
        (deployed / "values.yaml").write_text("monitoring: {greeting: changed}\n")
        done = unideploy(deployed, "deploy", "-e", "development", "-o", "json")
    finally:
        sandbox.kubectl("delete", "validatingwebhookconfiguration", f"{namespace}-guard")
    assert done.returncode != 0
    record = json.loads(done.stdout)
    step = next(s for p in record["phases"] for s in p["steps"] if s["id"] == "helm/monitoring")
    reason = step["reason"]
    upgrade = reason.find('helm upgrade of release "monitoring"')
    rollback = reason.find('helm rollback of release "monitoring"')
    assert 0 <= upgrade < rollback, reason
    assert 'failed calling webhook "guard.fixtures.unideploy.io"' in reason[upgrade:rollback]
    assert f'ValidatingWebhookConfiguration "{namespace}-guard"' in reason
    assert f"kubectl delete validatingwebhookconfiguration {namespace}-guard" in reason
