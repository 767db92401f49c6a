"""`unideploy security …` as a user runs it: exit codes, JSON, SARIF, Prometheus text, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.checks.tlskit import make_ca, make_leaf

from unideploy.cli.main import main
from unideploy.exitcodes import ExitCode

pytestmark = pytest.mark.clock

FIXTURES = Path(__file__).resolve().parents[1] / "checks"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["security", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_scan_clean_manifest_passes(capsys: pytest.CaptureFixture[str]) -> None:
    clean = FIXTURES / "UD-K8S-001" / "pass-hardened-deployment.yaml"
    code, out, _ = run(capsys, "scan", "-m", str(clean), "--skip", "UD-K8S-023")
    assert code == ExitCode.OK
    assert "security gate passed for this scan" in out


def test_scan_fails_at_threshold_and_json_carries_findings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = FIXTURES / "UD-K8S-012"
    code, out, _ = run(capsys, "scan", "-m", str(target), "-o", "json")
    assert code == ExitCode.FAILED
    doc = json.loads(out)
    assert doc["verdict"]["passed"] is False
    hits = [f for f in doc["findings"] if f["check_id"] == "UD-K8S-012"]
    assert hits[0]["object"] == {"kind": "Deployment", "namespace": "shop", "name": "web"}
    assert hits[0]["container"] == "web"
    assert hits[0]["references"] == ["CKV_K8S_39", "C-0046"]
    code, _, _ = run(capsys, "scan", "-m", str(target), "--fail-on", "critical")
    assert code == ExitCode.OK


def test_environment_policy_applies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stack.yaml: the built-in defaults of each environment
    target = FIXTURES / "UD-K8S-038" / "fail-baseline-only.yaml"
    assert run(capsys, "scan", "-m", str(target), "-e", "development")[0] == ExitCode.OK
    assert run(capsys, "scan", "-m", str(target), "-e", "staging")[0] == ExitCode.OK
    code, out, _ = run(capsys, "scan", "-m", str(target), "-e", "production")
    assert code == ExitCode.FAILED
    assert "security gate refused production" in out


def test_only_and_unknown_checks(capsys: pytest.CaptureFixture[str]) -> None:
    target = FIXTURES / "UD-K8S-012"
    code, out, _ = run(capsys, "scan", "-m", str(target), "--check", "UD-K8S-012", "-o", "json")
    assert {f["check_id"] for f in json.loads(out)["findings"]} == {"UD-K8S-012"}
    code, _, err = run(capsys, "scan", "-m", str(target), "--check", "UD-K8S-999")
    assert code == ExitCode.CONFIG_ERROR
    assert "no check with ID 'UD-K8S-999'" in err
    assert "hint:" in err


def test_unreadable_input_fails_the_scan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "bad.yaml").write_text("apiVersion: v1\nkind: Podd\nmetadata: {name: x}\n")
    code, out, _ = run(capsys, "scan", "-m", str(tmp_path), "--fail-on", "none")
    assert code == ExitCode.FAILED
    assert "unknown kind Podd in v1; did you mean Pod?" in out


def test_sarif_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = FIXTURES / "UD-K8S-010"
    (tmp_path / "broken.yaml").write_text("- not an object\n")
    code, out, _ = run(capsys, "scan", "-m", str(target), "-m", str(tmp_path), "-o", "sarif")
    assert code == ExitCode.FAILED
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert len(rules) >= 40
    ids = [r["id"] for r in rules]
    results = sarif_run["results"]
    socket = [r for r in results if r["ruleId"] == "UD-K8S-010"]
    assert socket and all(r["level"] == "error" for r in socket)
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in results)
    location = socket[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith(".yaml")
    assert location["region"]["startLine"] >= 1
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "document is a list" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_exempted_findings_are_suppressed_in_sarif(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\n  namespace: ops\n"
        "  annotations:\n    unideploy.io/exempt: UD-K8S-005\n"
        "    unideploy.io/exempt-reason: node exporter reads host network stats\n"
        "spec:\n  hostNetwork: true\n  containers: [{name: c, image: 'a:1'}]\n"
    )
    code, out, _ = run(capsys, "scan", "-m", str(tmp_path), "--check", "UD-K8S-005", "-o", "sarif")
    assert code == ExitCode.OK
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "inSource", "justification": "node exporter reads host network stats"}
    ]


def test_checks_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "checks", "-o", "json")
    assert code == ExitCode.OK
    catalogue = json.loads(out)
    assert catalogue[0]["id"] == "UD-K8S-001"
    assert all(c["rationale"] for c in catalogue)


def test_certs_from_files_with_prometheus_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ca = make_ca(tmp_path)
    soon = make_leaf(tmp_path, "soon", ca=ca, days_left=3.5)
    code, out, _ = run(capsys, "certs", "--file", str(ca.cert_path), "-o", "prometheus")
    assert code == ExitCode.OK
    assert 'x509_cert_expired{source_kind="file"' in out
    code, out, _ = run(capsys, "certs", "--file", str(soon.cert_path), "-o", "json")
    assert code == ExitCode.FAILED
    (cert,) = json.loads(out)["certificates"]
    assert (cert["status"], cert["days_left"]) == ("critical", 3)
    code, _, _ = run(capsys, "certs", "--file", str(soon.cert_path), "--critical-days", "2")
    assert code == ExitCode.OK


def test_missing_sources_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["scan"], ["tls"], ["certs"]):
        code, _, err = run(capsys, *argv)
        assert code == ExitCode.CONFIG_ERROR, argv
        assert "hint:" in err
    code, _, err = run(capsys, "tls", "--endpoint", "host:notaport")
    assert code == ExitCode.CONFIG_ERROR
    assert "not a number from 1 to 65535" in err


def test_environment_policy_layers_stack_values_and_overrides(
    capsys: pytest.CaptureFixture[str], make_stack: Callable[..., Path]
) -> None:
    dev_values = "global:\n  security:\n    failOn: medium\n"
    root = make_stack(files={"env/development.yaml": dev_values})
    target = FIXTURES / "UD-K8S-002" / "fail-escalation-unset.yaml"
    base = ["--stack", str(root), "security", "scan", "-m", str(target), "-e", "development"]
    code = main([*base, "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == ExitCode.FAILED  # development reports only, but its values say failOn: medium
    assert doc["verdict"]["policy"]["fail_on"] == "medium"
    assert doc["verdict"]["policy_from"].endswith("stack.yaml")
    with_override = (
        root / "stack.yaml"
    ).read_text() + "security:\n  development:\n    failOn: none\n"
    (root / "stack.yaml").write_text(with_override)
    assert main(base) == ExitCode.OK
    assert "policy of development from" in capsys.readouterr().out


def test_environment_policy_without_a_stack_uses_defaults(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = FIXTURES / "UD-K8S-002" / "fail-escalation-unset.yaml"
    code = main(["security", "scan", "-m", str(target), "-e", "production"])
    out = capsys.readouterr().out
    assert code == ExitCode.FAILED
    assert "built-in defaults (no stack.yaml here)" in out


def test_stack_exemptions_show_as_exempted(
    capsys: pytest.CaptureFixture[str], make_stack: Callable[..., Path]
) -> None:
    root = make_stack()
    (root / "stack.yaml").write_text(
        (root / "stack.yaml").read_text()
        + "security:\n  development:\n    failOn: high\n    exempt:\n"
        + "      - {check: UD-K8S-012, name: web, reason: vendor agent needs it}\n"
    )
    target = FIXTURES / "UD-K8S-012" / "fail-add-sys-admin.yaml"
    argv = ["--stack", str(root), "security", "scan", "-m", str(target), "-e", "development"]
    code = main([*argv, "--check", "UD-K8S-012", "-o", "json"])
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert code == ExitCode.OK
    assert finding["exempted"] is True
    assert finding["exemption_reason"] == "vendor agent needs it (stack)"


def test_environment_alone_reads_its_own_cluster(
    capsys: pytest.CaptureFixture[str], make_stack: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_stack()
    missing = tmp_path / "absent-kubeconfig"
    text = (
        (root / "stack.yaml")
        .read_text()
        .replace(
            "    values: [env/production.yaml]\n",
            f"    values: [env/production.yaml]\n    cluster: {{kubeconfig: {missing}}}\n",
        )
    )
    (root / "stack.yaml").write_text(text)
    code = main(["--stack", str(root), "security", "tls", "-e", "production"])
    err = capsys.readouterr().err
    assert code == ExitCode.FAILED
    assert str(missing) in err
