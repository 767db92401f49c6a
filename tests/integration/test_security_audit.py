"""`unideploy security audit` against the sandbox's real kube-apiserver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.checks.tlskit import make_ca, make_leaf
from tests.integration.sandbox_cluster import Cluster, require_tools

from unideploy.cli.main import main
from unideploy.exitcodes import ExitCode
from unideploy.sandbox import Sandbox
from unideploy.security.audit.fetch import fetch_audit_objects
from unideploy.security.audit.rules import AuditOptions, audit
from unideploy.security.manifests.pss import Level

pytestmark = pytest.mark.cluster

RISKY = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads-secrets}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
---
apiVersion: v1
kind: Pod
metadata: {name: privileged}
spec:
  containers:
  - name: app
    image: registry.example.org/app:1.0
    securityContext: {privileged: true}
"""


@pytest.fixture
def admin_bindings(sandbox: Cluster, namespace: str) -> Iterator[list[str]]:
    names = [f"{namespace}-admin-{i}" for i in range(4)]
    for name in names:
        sandbox.kubectl(
            "create",
            "clusterrolebinding",
            name,
            "--clusterrole=cluster-admin",
            f"--serviceaccount={namespace}:ci",
        )
    yield names
    sandbox.kubectl("delete", "clusterrolebinding", *names, "--wait=false", check=False)


def test_audit_finds_what_was_planted(
    sandbox: Cluster, namespace: str, admin_bindings: list[str]
) -> None:
    sandbox.kubectl("apply", "-n", namespace, "-f", "-", input_text=RISKY)
    objects = fetch_audit_objects(sandbox.api_client())
    kinds = {o.kind for o in objects}
    assert {"Namespace", "Pod", "ClusterRole", "ClusterRoleBinding", "RoleBinding"} <= kinds
    findings = audit(
        objects, AuditOptions(enforce_network_policies=True, pod_security=Level.BASELINE)
    )
    mine = {(f.check_id, f.object.name) for f in findings if f.object.namespace in ("", namespace)}
    assert ("UD-LIVE-001", namespace) in mine
    assert ("UD-LIVE-002", namespace) in mine
    assert ("UD-K8S-036", namespace) in mine
    assert ("UD-LIVE-004", "alice-reads-secrets") in mine
    assert ("UD-LIVE-005", "privileged") in mine
    (admins,) = [f for f in findings if f.check_id == "UD-LIVE-003"]
    assert all(name in admins.message for name in admin_bindings)
    # Kubernetes' own bootstrap roles use wildcards; they are not reported.
    assert not [
        f for f in findings if f.check_id == "UD-K8S-030" and f.object.name == "cluster-admin"
    ]


def test_audit_command_exit_code_and_json(
    sandbox: Cluster, namespace: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.kubectl("apply", "-n", namespace, "-f", "-", input_text=RISKY)
    code = main(["security", "audit", "--kubeconfig", str(sandbox.kubeconfig), "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == ExitCode.FAILED
    blocking = {(f["check_id"], f["object"]["name"]) for f in doc["verdict"]["blocking"]}
    assert ("UD-LIVE-005", "privileged") in blocking
    assert ("UD-LIVE-004", "alice-reads-secrets") in blocking
    code = main(
        [
            "security",
            "audit",
            "--kubeconfig",
            str(sandbox.kubeconfig),
            "--fail-on",
            "none",
            "--pod-security",
            "none",
        ]
    )
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    assert "alice-reads-secrets" in out


def test_certs_from_cluster_reads_tls_secrets(
    sandbox: Cluster, namespace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = make_ca(tmp_path)
    leaf = make_leaf(tmp_path, "soon", ca=ca, days_left=5.5)
    sandbox.kubectl(
        "create",
        "secret",
        "tls",
        "web-tls",
        "-n",
        namespace,
        f"--cert={leaf.cert_path}",
        f"--key={leaf.key_path}",
    )
    argv = ["security", "certs", "--from-cluster", "--kubeconfig", str(sandbox.kubeconfig)]
    code = main([*argv, "-o", "json"])
    out = capsys.readouterr().out
    certs = {c["source"]: c for c in json.loads(out)["certificates"]}
    mine = certs[f"secret/{namespace}/web-tls"]
    assert (mine["status"], mine["days_left"]) == ("critical", 5)
    assert code == ExitCode.FAILED
    assert "PRIVATE KEY" not in out
    assert leaf.key_path.read_text().splitlines()[1] not in out


def test_tls_from_cluster_without_exposed_endpoints_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A cluster of its own: the shared one may hold other tests' Ingresses with TLS hosts.
    require_tools()
    box = Sandbox(tmp_path / "empty-sandbox")
    box.up(timeout=180)
    try:
        argv = ["security", "tls", "--from-cluster", "--kubeconfig", str(box.kubeconfig)]
        code = main(argv)
    finally:
        box.down(purge=True)
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG_ERROR
    assert "the cluster exposes no TLS endpoint" in err
