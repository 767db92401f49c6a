"""`unideploy rbac` on the sandbox (RBAC authorization on): the generated ServiceAccount alone
deploys, diffs, rolls back and drift-checks; each kind of rule, taken out, makes the preflight
refuse the deploy naming that rule, with nothing applied."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from tests.integration.deploy_support import reference_stack, steps, unideploy
from tests.integration.rbac_support import (
    apply,
    as_service_account,
    rbac_stack,
    runs_everything,
    target_text,
    wait_can_i,
    without_rule,
)
from tests.integration.sandbox_cluster import Cluster

pytestmark = pytest.mark.cluster


def test_reference_stack_runs_as_the_generated_service_account_alone(
    sandbox: Cluster, tmp_path: Path
) -> None:
    stack = reference_stack(tmp_path / "ref", sandbox.kubeconfig)
    account = f"unideploy-system/ref-{uuid.uuid4().hex[:6]}"
    as_service_account(sandbox, stack, account, tmp_path)
    runs_everything(stack, ("--set", "homepage.settings.title=Changed"))
    # The integration tests read the cluster too (nodes, workloads, endpoints, the API paths the
    # cases name): the generated roles cover them.
    tested = unideploy(stack, "test", "-e", "development", "-o", "json")
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr


# (Role or ClusterRole, its namespace ("NS" = the test's), resource, group): one of each kind.
SAMPLES = [
    ("Role", "NS", "deployments", "apps"),  # a namespaced kind a chart renders
    ("ClusterRole", None, "priorityclasses", "scheduling.k8s.io"),  # cluster-scoped
    ("Role", "NS", "gadgets", "rbackit.example.com"),  # defined by a CRD of the same run
    ("Role", "NS", "secrets", ""),  # Helm's release storage
    ("Role", "unideploy-system", "leases", "coordination.k8s.io"),  # the environment lock
]


def test_each_kind_of_rule_taken_out_refuses_the_deploy_in_preflight_naming_it(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = rbac_stack(tmp_path / "rbac", sandbox.kubeconfig, namespace)
    account = f"{namespace}/deployer"
    objects = as_service_account(sandbox, stack, account, tmp_path)
    runs_everything(stack, ("--set", "app.settings.greeting=changed"))
    revisions = _helm_secrets(sandbox, namespace)
    for kind, where, resource, group in SAMPLES:
        rule_ns = namespace if where == "NS" else where
        edited, rule = without_rule(objects, kind, rule_ns, resource, group)
        apply(sandbox, edited)
        full = f"{resource}.{group}" if group else resource
        wait_can_i(sandbox, account, rule["verbs"][0], full, rule_ns, "no")
        done = unideploy(
            stack,
            "deploy",
            "-e",
            "development",
            "--skip-tests",
            "-o",
            "json",
            "--set",
            "kit.size=large",
        )
        assert done.returncode != 0, (resource, done.stdout[-2000:])
        full_target = target_text(rule["verbs"][0], resource, group, rule_ns)
        if resource == "leases":  # the lock is taken before the runner: refused before it
            assert f"missing permission: phase lock: {full_target}" in done.stderr
            assert f"--service-account {account}" in done.stderr
            back = unideploy(stack, "rollback", "-e", "development", "-o", "json")
            assert back.returncode != 0, back.stdout[-2000:]
            assert f"missing permission: phase lock: {full_target}" in back.stderr
        else:
            preflight = steps(done.stdout)["preflight/rbac"]
            assert preflight["status"] == "failed", preflight
            first = preflight["details"]["first"]
            assert (first["resource"], first["group"], first["namespace"]) == (
                resource,
                group,
                rule_ns,
            ), preflight["reason"]
            assert first["verb"] in rule["verbs"]
            assert first["phase"] and f"--service-account {account}" in preflight["reason"]
            assert target_text(first["verb"], resource, group, rule_ns) in preflight["reason"]
        assert _helm_secrets(sandbox, namespace) == revisions  # nothing applied
        gadget = sandbox.get_json("gadgets.rbackit.example.com", "kit", namespace=namespace)
        assert gadget["spec"]["size"] == "small"
        apply(sandbox, objects)
        wait_can_i(sandbox, account, rule["verbs"][0], full, rule_ns, "yes")


def _helm_secrets(sandbox: Cluster, namespace: str) -> list[str]:
    listed = sandbox.get_json("secrets", "-l", "owner=helm", namespace=namespace)
    return sorted(item["metadata"]["name"] for item in listed["items"])
