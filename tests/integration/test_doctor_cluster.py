"""doctor on the sandbox: every way to be stuck found and explained; --fix repairs safe ones."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.deploy_support import REPO, apps_stack, unideploy
from tests.integration.sandbox_cluster import Cluster
from tests.integration.test_gitops_status import CRDS, create, flux, install_crds, ready

from unideploy.cli import main as cli_main

pytestmark = pytest.mark.cluster
HOLD = (
    "import fcntl, sys, time\n"
    "f = open(sys.argv[1], 'r+')\n"
    "fcntl.lockf(f, fcntl.LOCK_EX)\n"
    "print('locked', flush=True)\n"
    "time.sleep(120)\n"
)
MODULE = REPO / "tests" / "fixtures" / "stacks" / "terraform-only" / "modules" / "settings"


def store_revision(sandbox: Cluster, namespace: str, name: str, status: str, note: str) -> None:
    """Write revision 2 of `name` as Helm would store it, in `status` (a killed or failed run)."""
    stored = sandbox.get_json("secret", f"sh.helm.release.v1.{name}.v1", namespace=namespace)
    release = json.loads(
        gzip.decompress(base64.b64decode(base64.b64decode(stored["data"]["release"])))
    )
    release["version"] = 2
    release["info"]["status"] = status
    release["info"]["description"] = note
    payload = base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v2",
            "namespace": namespace,
            "labels": {"name": name, "owner": "helm", "status": status, "version": "2"},
        },
        "stringData": {"release": payload},
    }
    sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(secret))


def stale_lock(stack: Path) -> Path:
    state = stack / ".unideploy" / "terraform" / "development" / "settings"
    state.mkdir(parents=True)
    (state / "terraform.tfstate").write_text("")
    info = {
        "ID": "0ea78ff5-5ec4-c31d-3f86-2af81e1549dd",
        "Operation": "OperationTypeApply",
        "Who": "alice@laptop",
        "Created": "2026-01-01T10:00:00Z",
        "Path": str(state / "terraform.tfstate"),
    }
    (state / ".terraform.tfstate.lock.info").write_text(json.dumps(info))
    return state


def doctor(stack: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    capsys.readouterr()
    code = cli_main.main(
        ["--stack", str(stack), "doctor", "-e", "development", "-o", "json", *args]
    )
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def cert_manager(sandbox: Cluster) -> Iterator[None]:
    """cert-manager's CRDs for one test; removed after so other tests see a cluster without."""
    sandbox.kubectl("apply", "--server-side", "-f", str(CRDS / "cert-manager"))
    sandbox.kubectl(
        "wait", "--for=condition=Established", "--timeout=60s", "crd/certificates.cert-manager.io"
    )
    yield
    sandbox.kubectl("delete", "-f", str(CRDS / "cert-manager"), "--ignore-not-found", check=False)


def test_doctor_finds_explains_and_fixes_the_safe_ones(
    sandbox: Cluster,
    cert_manager: None,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = apps_stack(tmp_path / "stack", sandbox.kubeconfig, namespace)
    done = unideploy(stack, "deploy", "-e", "development")
    assert done.returncode == 0, done.stdout + done.stderr
    with (stack / "stack.yaml").open("a") as handle:
        handle.write(f"terraform:\n  modules:\n    - name: settings\n      path: {MODULE}\n")
    assert doctor(stack, capsys) == (
        0,
        {"environment": "development", "findings": [], "repairs": []},
    )

    state = stale_lock(stack)
    store_revision(sandbox, namespace, "app", "pending-upgrade", "Preparing upgrade")
    store_revision(sandbox, namespace, "cache", "failed", 'Upgrade "cache" failed: timed out')
    install_crds(sandbox)
    labels = {"app.kubernetes.io/part-of": "apps", "unideploy.io/environment": "development"}
    source = {"kind": "GitRepository", "name": "repo"}
    create(
        sandbox,
        flux(
            "HelmRelease",
            "frontend",
            namespace,
            labels,
            chart={"spec": {"chart": "./c", "sourceRef": source}},
        ),
        ready("False", "UpgradeFailed", "context deadline exceeded"),
    )
    certificate = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "web-tls", "namespace": namespace},
        "spec": {"secretName": "web-tls", "dnsNames": ["web.example.test"]},
    }
    create(sandbox, certificate, ready("False", "Failed", "ACME challenge failed"))

    code, found = doctor(stack, capsys)
    assert code == 1
    by_subject = {f["subject"]: f for f in found["findings"]}
    lock = by_subject["settings"]
    assert lock["problem"].startswith(
        "stale lock 0ea78ff5-5ec4-c31d-3f86-2af81e1549dd held by alice@laptop"
    )
    assert "unideploy terraform unlock -e development 0ea78ff5" in lock["fix"] and lock["safe_fix"]
    pending = by_subject[f"{namespace}/app"]
    assert "stuck in pending-upgrade at revision 2" in pending["problem"] and pending["safe_fix"]
    failed = by_subject[f"{namespace}/cache"]
    assert failed["problem"] == 'revision 2 failed: Upgrade "cache" failed: timed out'
    assert not failed["safe_fix"]
    helm_release = by_subject[f"HelmRelease {namespace}/frontend"]
    assert "UpgradeFailed" in helm_release["problem"] and helm_release["safe_fix"]
    cert = by_subject[f"Certificate {namespace}/web-tls"]
    assert cert["problem"] == "not ready (Failed): ACME challenge failed"
    describe = f"`kubectl describe certificate web-tls -n {namespace}`"
    assert cert["fix"] == f"{describe}, then `cmctl renew web-tls -n {namespace}`"
    assert len(found["findings"]) == 5

    # A live lock holder (another process) is never released by --fix.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state / "terraform.tfstate")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        code, live = doctor(stack, capsys)
        held_lock = {f["subject"]: f for f in live["findings"]}["settings"]
        assert f"(pid {holder.pid})" in held_lock["problem"]
        assert "stale" not in held_lock["problem"] and not held_lock["safe_fix"]
    finally:
        holder.terminate()
        holder.wait(timeout=30)

    code, fixed = doctor(stack, capsys, "--fix", "--yes")
    assert code == 1  # the failed release and the certificate need a person
    assert sorted(r["subject"] for r in fixed["repairs"] if "done" in r) == sorted(
        ["settings", f"{namespace}/app", f"HelmRelease {namespace}/frontend"]
    )
    assert not (state / ".terraform.tfstate.lock.info").exists()
    annotations = sandbox.get_json(
        "helmrelease.helm.toolkit.fluxcd.io", "frontend", namespace=namespace
    )["metadata"]["annotations"]
    assert "reconcile.fluxcd.io/requestedAt" in annotations

    code, after = doctor(stack, capsys)
    assert sorted(f["subject"] for f in after["findings"]) == sorted(
        [
            f"{namespace}/cache",
            f"HelmRelease {namespace}/frontend",
            f"Certificate {namespace}/web-tls",
        ]
    )
    app_secrets = sandbox.kubectl(
        "get", "secret", "-n", namespace, "-l", "owner=helm,name=app", "-o", "json"
    ).stdout
    statuses = {
        s["metadata"]["labels"]["version"]: s["metadata"]["labels"]["status"]
        for s in json.loads(app_secrets)["items"]
    }
    assert statuses["3"] == "deployed"
