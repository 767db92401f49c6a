"""The seed's testing script paths run `unideploy test` / `health` with their historical flags."""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.http_targets import Target, http_target
from tests.integration.sandbox_cluster import Cluster

from unideploy.engines.process import run

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "testing"
STACK = """\
apiVersion: unideploy.io/v1
environments:
  development: {values: [values.yaml], cluster: {kubeconfig: KUBECONFIG}}
  production: {values: [values.yaml], cluster: {kubeconfig: KUBECONFIG}}
tests:
  cases:
    - {name: resolver, category: connectivity, kind: dns, host: localhost}
    - name: app-ok
      category: application
      kind: http
      url: URL/ok
      expect: {jsonEquals: {status: ok}}
    - name: app-broken
      category: application
      kind: http
      url: URL/fail
      environments: [production]
      retries: 0
"""


@pytest.fixture
def server() -> Iterator[Target]:
    with http_target() as target:
        yield target


def stack(tmp_path: Path, server: Target, kubeconfig: Path | None = None) -> Path:
    (tmp_path / "values.yaml").write_text("global: {}\n")
    text = STACK.replace("URL", server.base).replace("KUBECONFIG", str(kubeconfig or "none"))
    (tmp_path / "stack.yaml").write_text(text)
    return tmp_path / "stack.yaml"


def script(path: Path, *args: str, cwd: Path) -> tuple[int, str, str]:
    argv = [sys.executable, str(path)] if path.suffix == ".py" else ["bash", str(path)]
    done = run([*argv, *args], cwd=cwd, timeout=300, env={**os.environ, "UNIDEPLOY_QUIET": "1"})
    return done.returncode, done.stdout, done.stderr


def test_test_reporter_json_on_stdout(tmp_path: Path, server: Target) -> None:
    path = stack(tmp_path, server)

    code, out, err = script(
        SCRIPTS / "test_reporter.py",
        "--stack",
        str(path),
        "--environment",
        "development",
        "--output-format",
        "json",
        cwd=tmp_path,
    )

    assert code == 0, err
    report = json.loads(out)
    assert report["environment"] == "development"
    assert [t["name"] for t in report["tests"]] == ["resolver", "app-ok"]


def test_test_reporter_writes_junit_by_default_and_passes_failures_on(
    tmp_path: Path, server: Target
) -> None:
    path = stack(tmp_path, server)

    code, _, err = script(
        SCRIPTS / "test_reporter.py",
        "--stack",
        str(path),
        "--environment",
        "production",
        cwd=tmp_path,
    )

    assert code == 1, err
    root = ET.parse(tmp_path / "test-results.xml").getroot()
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed == ["app-broken"]


def test_orchestrator_writes_every_report(tmp_path: Path, server: Target) -> None:
    path = stack(tmp_path, server)

    code, out, err = script(
        SCRIPTS / "integrated_test_orchestrator.py",
        "--stack",
        str(path),
        "--environment",
        "development",
        "--output-dir",
        "out",
        cwd=tmp_path,
    )

    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "junit.xml",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert "Application functionality" in out


def test_integration_tester_needs_an_environment(tmp_path: Path) -> None:
    code, _, err = script(SCRIPTS / "integration_tester.py", cwd=tmp_path)

    assert code == 2 and "--environment" in err


def test_integration_tester_and_staging_validation_select_by_category(
    tmp_path: Path, server: Target
) -> None:
    path = stack(tmp_path, server)

    code, out, err = script(
        SCRIPTS / "integration_tester.py",
        "--stack",
        str(path),
        "--environment",
        "production",
        "--category",
        "connectivity",
        "--output-format",
        "json",
        cwd=tmp_path,
    )
    staging = script(SCRIPTS / "staging_validation.py", "--stack", str(path), cwd=tmp_path)

    assert code == 0, err
    assert [t["name"] for t in json.loads(out)["tests"]] == ["resolver"]
    assert staging[0] == 2 and 'environment "staging" is not defined' in staging[2]


def test_k3s_orchestrator_refuses_unknown_flags(tmp_path: Path) -> None:
    code, _, err = script(
        ROOT / "testing" / "k3s-validation" / "orchestrator.sh", "--bogus", cwd=tmp_path
    )

    assert code == 2 and "unknown option: --bogus" in err


@pytest.mark.cluster
def test_production_health_check_on_a_cluster(
    tmp_path: Path, server: Target, sandbox: Cluster
) -> None:
    path = stack(tmp_path, server, sandbox.kubeconfig)

    code, out, err = script(
        SCRIPTS / "production_health_check.py",
        "--stack",
        str(path),
        "--output",
        "json",
        cwd=tmp_path,
    )

    assert code == 0, err
    assert json.loads(out)["healthy"] is True
