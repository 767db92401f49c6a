"""Helpers for the RBAC tests: generate and apply the deployer's roles, run as it, edit a rule."""

from __future__ import annotations

import json
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


def as_service_account(
    sandbox: Cluster, stack: Path, account: str, tmp_path: Path
) -> list[dict[str, Any]]:
    """Apply the generated objects (no wildcard) as admin; point the stack at the account."""
    objects = generate(stack, account)
    for obj in objects:
        for rule in obj.get("rules", []):
            for field in ("apiGroups", "resources", "verbs", "resourceNames"):
                assert "*" not in rule.get(field, []), (obj["metadata"], rule)
    apply(sandbox, objects)
    out = tmp_path / "deployer.kubeconfig"
    done = unideploy(
        stack,
        "rbac",
        "-e",
        "development",
        "--service-account",
        account,
        "--kubeconfig-out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "token" not in done.stdout + done.stderr
    assert out.stat().st_mode & 0o077 == 0
    use_kubeconfig(stack, sandbox.kubeconfig, out)
    wait_can_i(sandbox, account, "get", "leases", "unideploy-system", "yes")
    return objects


def runs_everything(stack: Path, change: tuple[str, ...]) -> None:
    """Deploy, diff (nothing), deploy with `change`, roll back to the first run, drift (none)."""
    first = unideploy(stack, "deploy", "-e", "development", "--skip-tests", "-o", "json")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    diff = unideploy(stack, "diff", "-e", "development", "--detailed-exitcode")
    assert diff.returncode == 0, diff.stdout + diff.stderr
    second = unideploy(stack, "deploy", "-e", "development", "--skip-tests", *change, "-o", "json")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr
    back = unideploy(
        stack,
        "rollback",
        "-e",
        "development",
        "--to",
        json.loads(first.stdout)["run_id"],
        "-o",
        "json",
    )
    assert back.returncode == 0, back.stdout[-3000:] + back.stderr
    drift = unideploy(stack, "drift", "-e", "development")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "no drift" in drift.stdout
