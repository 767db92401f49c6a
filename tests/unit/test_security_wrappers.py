"""The seed's security script paths run the CLI, pass exit codes on, accept the seed's flags."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from tests.checks.tlskit import make_ca, make_leaf
from tests.support.clock_shift import machine_now

from unideploy.engines.process import run

pytestmark = pytest.mark.clock

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "security"
FIXTURES = ROOT / "tests" / "checks"


def script(name: str, *args: str, cwd: Path) -> tuple[int, str, str]:
    done = run([sys.executable, str(SCRIPTS / name), *args], cwd=cwd, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_policy_script_scans_relative_paths_from_the_callers_directory() -> None:
    code, out, _ = script(
        "security-policy-compliance-checks.py",
        "--manifests",
        "UD-K8S-010",
        "--fail-on",
        "high",
        "--output",
        "json",
        cwd=FIXTURES,
    )
    assert code == 1
    assert any(f["check_id"] == "UD-K8S-010" for f in json.loads(out)["findings"])


def test_policy_script_without_manifests_scans_the_rendered_stack() -> None:
    code, out, err = script(
        "security-policy-compliance-checks.py", "-e", "staging", "--output", "json", cwd=ROOT
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["verdict"]["policy"]["environment"] == "staging"
    assert any(f["object"]["namespace"] == "monitoring" for f in document["findings"])


def test_tls_script_check_all_reads_the_environments_cluster(tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    stack.mkdir()
    for name in ("environments", "helm", "terraform"):
        shutil.copytree(ROOT / name, stack / name, ignore=shutil.ignore_patterns(".terraform*"))
    text = (ROOT / "stack.yaml").read_text()
    missing = tmp_path / "no-such-kubeconfig"
    (stack / "stack.yaml").write_text(text.replace(".unideploy/sandbox/kubeconfig", str(missing)))
    done = run(
        [sys.executable, str(SCRIPTS / "tls-configuration-validation.py"), "--check-all"],
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "UNIDEPLOY_STACK": str(stack), "KUBECONFIG": ""},
    )
    assert done.returncode == 1
    assert str(missing) in done.stderr
    assert "unrecognized arguments" not in done.stderr


def test_expiry_script_check_expiry_on_files(tmp_path: Path) -> None:
    # the script judges by the machine's clock, in a process of its own
    ca = make_ca(tmp_path, now=machine_now())
    leaf = make_leaf(tmp_path, "leaf", ca=ca, days_left=12.5, now=machine_now())
    code, out, _ = script(
        "certificate-expiry-monitoring.py",
        "--check-expiry",
        "--file",
        leaf.cert_path.name,
        "--output",
        "json",
        cwd=tmp_path,
    )
    (cert,) = json.loads(out)["certificates"]
    assert (code, cert["status"], cert["days_left"]) == (0, "warning", 12)
    code, out, _ = script(
        "certificate-expiry-monitoring.py", "--file", "leaf.crt", "--metrics", cwd=tmp_path
    )
    assert code == 0
    assert "x509_cert_expires_in_seconds{" in out


@pytest.mark.parametrize("name", sorted(p.name for p in SCRIPTS.glob("*.py")))
def test_scripts_teach_their_flags(name: str) -> None:
    code, out, _ = script(name, "--help", cwd=ROOT)
    assert code == 0
    assert "usage:" in out
