"""Helpers for the RBAC tests: generate and apply the deployer's roles, run as it, edit a rule."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import yaml
from tests.integration.deploy_support import FIXTURES, REPO, unideploy
from tests.integration.sandbox_cluster import Cluster


def rbac_stack(target: Path, kubeconfig: Path, namespace: str) -> Path:
    """The rbac fixture stack in `target`, pointed at the sandbox and a namespace."""
    shutil.copytree(FIXTURES / "rbac", target)
    text = (target / "stack.yaml").read_text()
    text = text.replace("KUBECONFIG", str(kubeconfig)).replace("NAMESPACE", namespace)
    text = text.replace("FIXTURES", str(REPO / "tests" / "fixtures" / "helm"))
    (target / "stack.yaml").write_text(text.replace("CHARTS", str(REPO / "helm" / "charts")))
    return target


def use_kubeconfig(stack: Path, old: Path, new: Path) -> None:
    """Point the stack's environments at another kubeconfig (same context name)."""
    text = (stack / "stack.yaml").read_text()
    (stack / "stack.yaml").write_text(text.replace(str(old), str(new)))


def generate(stack: Path, account: str) -> list[dict[str, Any]]:
    """`unideploy rbac -e development` for `account`, as objects."""
    done = unideploy(stack, "rbac", "-e", "development", "--service-account", account)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def apply(sandbox: Cluster, objects: list[dict[str, Any]]) -> None:
    """kubectl apply the objects as the sandbox admin."""
    sandbox.kubectl("apply", "-f", "-", input_text=yaml.safe_dump_all(objects))


def wait_can_i(
    sandbox: Cluster, account: str, verb: str, resource: str, namespace: str | None, expected: str
) -> None:
    """Wait until the authorizer's cache answers `expected` ("yes"/"no") for the account."""
    user = "system:serviceaccount:" + account.replace("/", ":")
    where = ["-n", namespace] if namespace else ["--all-namespaces"]
    deadline = time.monotonic() + 15
    while True:
        done = sandbox.kubectl("auth", "can-i", verb, resource, *where, f"--as={user}", check=False)
        if done.stdout.strip() == expected or time.monotonic() > deadline:
            assert done.stdout.strip() == expected, (verb, resource, namespace, done.stdout)
            return
        time.sleep(0.2)


def without_rule(
    objects: list[dict[str, Any]], kind: str, namespace: str | None, resource: str, group: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The objects with one rule taken out of one Role/ClusterRole, and that rule."""
    edited = [dict(o) for o in yaml.safe_load_all(yaml.safe_dump_all(objects))]
    for obj in edited:
        if obj["kind"] == kind and obj["metadata"].get("namespace") == namespace:
            for rule in obj["rules"]:
                if (
                    rule["resources"] == [resource]
                    and rule["apiGroups"] == [group]
                    and ("resourceNames" not in rule)
                ):
                    obj["rules"] = [r for r in obj["rules"] if r is not rule]
                    return edited, rule
    raise AssertionError(f"no rule for {resource}.{group} in {kind} {namespace}")


def target_text(verb: str, resource: str, group: str, namespace: str | None) -> str:
    """How the preflight names a permission: `patch deployments.apps in ns`."""
    what = f"{resource}.{group}" if group else resource
    return f"{verb} {what}" + (f" in {namespace}" if namespace else " (cluster-wide)")
