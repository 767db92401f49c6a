"""The helm phases on the sandbox: tiers, readiness, atomic rollback, dependents, whole-stack
rollback, incremental redeploys and the diff — through the CLI, as a user runs them."""

from __future__ import annotations

import base64
import ipaddress
import json
import subprocess
from pathlib import Path

import pytest
from tests.integration.deploy_support import apps_stack, reference_stack, steps, unideploy
from tests.integration.helm_support import store_pending_upgrade
from tests.integration.sandbox_cluster import Cluster
from tests.support.sops_tools import REFERENCE_TEST_KEY, AgeKey, sops_decrypt_json

from unideploy.config.load import load_stack
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.sandbox import webhook_log
from unideploy.sandbox.components import Layout

pytestmark = pytest.mark.cluster

UNREADY = 'app:\n  podAnnotations:\n    unideploy.io/sandbox-unready: "true"\n'


def test_reference_stack_deploys_then_incremental_is_a_noop_and_one_change_upgrades_one(
    sandbox: Cluster, tmp_path: Path
) -> None:
    stack = reference_stack(tmp_path / "ref", sandbox.kubeconfig)
    first = unideploy(stack, "deploy", "-e", "development", "--skip-tests", "-o", "json")
    assert first.returncode == 0, first.stderr
    helm_steps = {k: v for k, v in steps(first.stdout).items() if k.startswith("helm/")}
    assert len(helm_steps) == len(load_stack(stack / "stack.yaml").file.releases)
    assert {s["status"] for s in helm_steps.values()} == {"changed"}
    tiers = [p["name"] for p in json.loads(first.stdout)["phases"] if p["name"].startswith("helm:")]
    assert tiers == ["helm:infrastructure", "helm:storage", "helm:monitoring", "helm:applications"]
    listed = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox").releases()
    assert {r.release for r in listed} >= {"metallb-config", "grafana", "homepage"}
    config = sandbox.get_json("configmap", "metallb-address-pool", namespace="metallb-system")
    assert config["data"]["pool-name"].startswith("development")
    _postgres_is_served(sandbox, stack, first)

    again = unideploy(
        stack, "deploy", "-e", "development", "--skip-tests", "--incremental", "-o", "json"
    )
    assert again.returncode == 0, again.stderr
    assert {s["status"] for k, s in steps(again.stdout).items() if k.startswith("helm/")} == {
        "unchanged"
    }

    fresh = unideploy(stack, "diff", "-e", "development", "--detailed-exitcode", "-o", "json")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert json.loads(fresh.stdout)["has_changes"] is False

    change = ("--set", "homepage.settings.title=Changed")
    diff = unideploy(stack, "diff", "-e", "development", "--skip-terraform", *change, "-o", "json")
    assert diff.returncode == 0, diff.stderr
    changed = [r for r in json.loads(diff.stdout)["releases"] if r["changes"]]
    assert [r["release"] for r in changed] == ["homepage"]
    objects = {c["object"] for c in changed[0]["changes"]}
    assert objects == {"ConfigMap apps/homepage-settings", "Deployment apps/homepage"}
    assert "+  title: Changed" in changed[0]["changes"][0]["diff"] or any(
        "title: Changed" in c["diff"] for c in changed[0]["changes"]
    )

    third = unideploy(
        stack, "deploy", "-e", "development", "--skip-tests", "--incremental", *change, "-o", "json"
    )
    assert third.returncode == 0, third.stderr
    statuses = {k: s["status"] for k, s in steps(third.stdout).items() if k.startswith("helm/")}
    assert statuses.pop("helm/homepage") == "changed"
    assert set(statuses.values()) == {"unchanged"}


def _postgres_is_served(
    sandbox: Cluster, stack: Path, deployed: subprocess.CompletedProcess[str]
) -> None:
    """The release with a LoadBalancer, volumes and webhooks: an address, Bound claims, answered
    webhook calls, the password sops decrypts (test key) in its Secret and nowhere in the output."""
    service = sandbox.get_json("service", "postgres", namespace="databases")
    (ingress,) = service["status"]["loadBalancer"]["ingress"]
    assert ipaddress.ip_address(ingress["ip"]).is_loopback
    claims = sandbox.get_json("pvc", namespace="databases")["items"]
    assert [c["metadata"]["name"] for c in claims] == ["data-postgres-0"]
    assert claims[0]["status"]["phase"] == "Bound"
    calls = webhook_log.read(Layout(sandbox.kubeconfig.parent).webhook_calls)
    settings = [c for c in calls if c.get("object") == "databases/postgres-settings"]
    hooks = {hook for call in settings for hook in call["webhooks"]}
    assert hooks == {
        "validating validate-settings.database.homelab.local",
        "mutating mutate-settings.database.homelab.local",
    }
    assert "webhook call(s) simulated during this run" in deployed.stderr
    secret = sandbox.get_json("secret", "postgres-admin", namespace="databases")
    clear = sops_decrypt_json(
        stack / "environments/development/secrets.enc.yaml", AgeKey(REFERENCE_TEST_KEY, "")
    )
    password = json.loads(clear)["postgres"]["auth"]["password"]
    # Compared without printing either side: a failure must not show the password.
    assert base64.b64decode(secret["data"]["password"]).decode() == password, "password differs"
    written = deployed.stdout + deployed.stderr + (stack / "debug.log").read_text()
    assert password not in written, "the decrypted password was printed"


def test_unready_release_is_rolled_back_and_its_dependents_skipped(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    assert unideploy(stack, "deploy", "-e", "development", "--skip-tests").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(UNREADY)
    done = unideploy(
        stack, "deploy", "-e", "development", "--skip-tests", "--values", str(bad), "-o", "json"
    )
    assert done.returncode == 1
    results = steps(done.stdout)
    assert results["helm/app"]["status"] == "rolled_back"
    assert "rolled back to revision 1" in results["helm/app"]["reason"]
    assert results["helm/frontend"]["status"] == "skipped"
    assert results["helm/frontend"]["reason"] == 'needs "helm/app", which failed'
    assert results["helm/cache"]["status"] in ("changed", "unchanged")
    history = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox").history("app", namespace)
    assert [r.revision for r in history] == [1, 2, 3]
    assert [r.status for r in history][0::2] == ["superseded", "deployed"]
    assert history[-1].description.startswith("Rollback to 1")
    live = sandbox.get_json("deployment", "app", namespace=namespace)
    annotations = live["spec"]["template"]["metadata"].get("annotations", {})
    assert "unideploy.io/sandbox-unready" not in annotations


def test_rollback_returns_every_release_to_the_last_successful_run(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    stack_yaml = stack / "stack.yaml"
    stack_yaml.write_text(
        stack_yaml.read_text().replace("    timeout: 15\n", "    timeout: 15\n    atomic: false\n")
    )
    assert unideploy(stack, "deploy", "-e", "development", "--skip-tests").returncode == 0
    changed = tmp_path / "changed.yaml"
    changed.write_text("cache:\n  settings: {size: big}\n" + UNREADY)
    bad = unideploy(
        stack,
        "deploy",
        "-e",
        "development",
        "--skip-tests",
        "--values",
        str(changed),
        "--continue-on-error",
    )
    assert bad.returncode == 1
    helm = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox")
    assert helm.history("app", namespace)[-1].revision == 2
    assert helm.history("cache", namespace)[-1].revision == 2

    back = unideploy(stack, "rollback", "-e", "development", "-o", "json")
    assert back.returncode == 0, back.stderr
    results = steps(back.stdout)
    assert results["helm/app"]["status"] == "changed"
    assert results["helm/cache"]["details"]["rolled_back_to"] == 1
    assert results["helm/frontend"]["status"] == "unchanged"
    # Revision 1 of cache had no settings, so the ConfigMap the bad deploy added is gone again.
    gone = sandbox.kubectl("get", "configmap", "cache-settings", "-n", namespace, check=False)
    assert gone.returncode == 1 and "NotFound" in gone.stderr
    runs = json.loads(unideploy(stack, "history", "-e", "development", "-o", "json").stdout)
    assert len(runs["runs"] if isinstance(runs, dict) else runs) == 3


def test_security_gate_refuses_before_anything_is_applied(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    stack_yaml = stack / "stack.yaml"
    # Images pinned by tag, not digest (UD-K8S-022): reported in development, blocking here.
    stack_yaml.write_text(
        stack_yaml.read_text() + "security:\n  development:\n    block: [UD-K8S-022]\n"
    )
    done = unideploy(stack, "deploy", "-e", "development", "--skip-tests", "-o", "json")
    assert done.returncode == 1
    results = steps(done.stdout)
    assert results["security/static"]["status"] == "failed"
    assert "UD-K8S-022" in results["security/static"]["reason"]
    assert {results[f"helm/{name}"]["status"] for name in ("app", "cache", "frontend")} == {
        "skipped"
    }
    assert SdkHelm(sandbox.kubeconfig, "unideploy-sandbox").history("app", namespace) == []


def test_cache_images_pulls_before_the_rollout_and_cleans_up(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    done = unideploy(
        stack, "deploy", "-e", "development", "--skip-tests", "--cache-images", "-o", "json"
    )
    assert done.returncode == 0, done.stderr
    results = steps(done.stdout)
    assert results["images/collect"]["details"]["images"] == ["registry.k8s.io/pause:3.10"]
    assert results[f"images/{namespace}"]["status"] == "succeeded"
    phases = [p["name"] for p in json.loads(done.stdout)["phases"]]
    assert phases.index("images") < phases.index("helm:backend")
    left = sandbox.kubectl("get", "daemonset", "-n", namespace, "-o", "name").stdout.strip()
    assert left == ""


def test_failing_tests_fail_the_deploy_and_roll_back_on_request(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    assert unideploy(stack, "deploy", "-e", "development").returncode == 0
    stack_yaml = stack / "stack.yaml"
    stack_yaml.write_text(
        stack_yaml.read_text()
        + "tests:\n  cases:\n    - name: api-teapot\n      category: application\n"
        + "      kind: http\n      apiPath: /readyz\n      retries: 0\n"
        + "      expect: {status: 418}\n"
    )
    changed = tmp_path / "changed.yaml"
    changed.write_text("cache:\n  settings: {size: big}\n")
    done = unideploy(
        stack,
        "deploy",
        "-e",
        "development",
        "--values",
        str(changed),
        "--rollback-on-test-failure",
        "-o",
        "json",
    )
    assert done.returncode == 1
    record = json.loads(done.stdout)
    test_step = next(
        s for p in record["phases"] for s in p["steps"] if s["id"] == "tests/api-teapot"
    )
    assert test_step["status"] == "failed"
    assert "418" in test_step["reason"]
    rollback = {s["id"]: s for p in record["rollback"]["phases"] for s in p["steps"]}
    assert rollback["helm/cache"]["details"]["rolled_back_to"] == 1
    gone = sandbox.kubectl("get", "configmap", "cache-settings", "-n", namespace, check=False)
    assert gone.returncode == 1 and "NotFound" in gone.stderr


def test_a_stuck_release_is_explained_by_preflight_and_recovered_on_request(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    assert unideploy(stack, "deploy", "-e", "development", "--skip-tests").returncode == 0
    store_pending_upgrade(sandbox, namespace, "app")
    refused = unideploy(stack, "deploy", "-e", "development", "--skip-tests", "-o", "json")
    assert refused.returncode == 1
    found = steps(refused.stdout)["preflight/helm-releases"]
    assert found["status"] == "failed"
    assert "pending-upgrade" in found["reason"] and "--recover-pending" in found["reason"]
    assert steps(refused.stdout)["helm/app"]["status"] == "skipped"

    recovered = unideploy(
        stack, "deploy", "-e", "development", "--skip-tests", "--recover-pending", "-o", "json"
    )
    assert recovered.returncode == 0, recovered.stderr
    assert steps(recovered.stdout)["preflight/helm-releases"]["status"] == "warned"
    assert steps(recovered.stdout)["helm/app"]["status"] == "changed"
    history = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox").history("app", namespace)
    assert history[-1].status == "deployed"
    assert history[-1].revision > 2
    again = unideploy(stack, "deploy", "-e", "development", "--skip-tests", "-o", "json")
    assert again.returncode == 0, again.stderr
