"""Per-release security exemptions: narrow, reasoned, shown in the plan; the shipped example works.

The `node-agent` fixture chart renders what prometheus-node-exporter renders by default (host
network, host PID, a host port, the host root read-only). Staging's policy refuses it; the
exemptions documented in docs/examples/infrastructure-exemptions.yaml for that release let it
through, and only for that release.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from unideploy.cli.main import main
from unideploy.config.load import load_stack
from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.exitcodes import ExitCode
from unideploy.security.manifests.gate import release_objects, static_gate
from unideploy.security.manifests.policy import policy_for

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "tests" / "fixtures" / "helm" / "node-agent"
EXAMPLE = ROOT / "docs" / "examples" / "infrastructure-exemptions.yaml"


def example_release(name: str) -> dict[str, Any]:
    document = yaml.safe_load(EXAMPLE.read_text())
    return next(r for r in document["releases"] if r["name"] == name)


def stack_with(make_stack: Callable[..., Path], exemptions: list[dict[str, Any]]) -> Path:
    release = {
        "name": "node-exporter",
        "namespace": "monitoring",
        "chart": {"path": str(CHART)},
        "tier": "infrastructure",
        "securityExemptions": exemptions,
    }
    twin = {**release, "name": "other-agent", "securityExemptions": []}
    text = yaml.safe_dump(
        {
            "apiVersion": "unideploy.io/v1",
            "name": "exempt",
            "tiers": ["infrastructure"],
            "environments": {"staging": {"values": ["env/staging.yaml"]}},
            "releases": [release, twin],
        },
        sort_keys=False,
    )
    return make_stack(text, {"env/staging.yaml": "global:\n  domain: lab.example\n"})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict[str, Any]]]:
    helm = SdkHelm(cache=ChartCache(tmp_path_factory.mktemp("cache")))
    objects: list[tuple[str, dict[str, Any]]] = []
    for name in ("node-exporter", "other-agent"):
        out = helm.render(ReleaseSpec(name, "monitoring", str(CHART)))
        objects += [(s, dict(o)) for s, o in release_objects(name, "monitoring", out.manifests)]
    return objects


def blocking_by_release(result: Any) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in result.verdict.blocking:
        found.setdefault(finding.path, set()).add(finding.check_id)
    return found


def test_staging_refuses_a_host_agent_without_exemptions(
    rendered: list[tuple[str, dict[str, Any]]],
) -> None:
    result = static_gate(rendered, "staging")
    blocking = blocking_by_release(result)
    assert {"UD-K8S-005", "UD-K8S-006", "UD-K8S-009", "UD-K8S-037"} <= blocking[
        "helm/node-exporter"
    ]
    assert blocking["helm/node-exporter"] == blocking["helm/other-agent"]


def test_the_documented_exemptions_pass_that_release_only(
    rendered: list[tuple[str, dict[str, Any]]], make_stack: Callable[..., Path]
) -> None:
    exemptions = example_release("node-exporter")["securityExemptions"]
    stack = load_stack(stack_with(make_stack, exemptions) / "stack.yaml")
    policy = policy_for("staging", release_exemptions=stack.security_exemptions())
    result = static_gate(rendered, "staging", policy=policy)
    blocking = blocking_by_release(result)
    assert "helm/node-exporter" not in blocking
    assert {"UD-K8S-005", "UD-K8S-006", "UD-K8S-009"} <= blocking["helm/other-agent"]
    exempted = [f for f in result.findings if f.exempted]
    assert {f.path for f in exempted} == {"helm/node-exporter"}
    reasons = {f.check_id: f.exemption_reason for f in exempted}
    assert reasons["UD-K8S-006"] == "per-process metrics need the host PID namespace (stack)"


def test_an_exemption_names_its_kind_and_name_narrowly(
    rendered: list[tuple[str, dict[str, Any]]], make_stack: Callable[..., Path]
) -> None:
    exemptions = [
        {"check": "UD-K8S-005", "kind": "Deployment", "reason": "not the DaemonSet"},
        {"check": "UD-K8S-006", "kind": "DaemonSet", "name": "node-exp*", "reason": "pattern"},
    ]
    stack = load_stack(stack_with(make_stack, exemptions) / "stack.yaml")
    policy = policy_for("staging", release_exemptions=stack.security_exemptions())
    blocking = blocking_by_release(static_gate(rendered, "staging", policy=policy))
    assert "UD-K8S-005" in blocking["helm/node-exporter"]
    assert "UD-K8S-006" not in blocking["helm/node-exporter"]


def test_the_plan_shows_every_exemption_with_its_reason(
    make_stack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = stack_with(make_stack, example_release("node-exporter")["securityExemptions"])
    assert main(["--stack", str(root), "plan", "-e", "staging"]) == ExitCode.OK
    text = capsys.readouterr().out
    assert "exempt UD-K8S-006 in node-exporter DaemonSet/*: per-process metrics need" in text
    assert main(["--stack", str(root), "plan", "-e", "staging", "-o", "json"]) == ExitCode.OK
    listed = json.loads(capsys.readouterr().out)["securityExemptions"]
    assert len(listed) == len(example_release("node-exporter")["securityExemptions"])
    assert {e["release"] for e in listed} == {"node-exporter"}


def test_an_exemption_without_a_reason_is_a_located_config_error(
    make_stack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = stack_with(make_stack, [{"check": "UD-K8S-005", "reason": "  "}])
    assert main(["--stack", str(root), "validate"]) == ExitCode.CONFIG_ERROR
    err = capsys.readouterr().err
    assert "stack.yaml:" in err and "securityExemptions" in err and "hint:" in err


def test_every_example_release_names_known_checks() -> None:
    from unideploy.config.model import Release
    from unideploy.security.manifests.registry import all_checks

    known = {check.id for check in all_checks()}
    document = yaml.safe_load(EXAMPLE.read_text())
    for release in document["releases"]:
        assert Release.model_validate(release).security_exemptions
        for entry in release["securityExemptions"]:
            assert entry["check"] in known, entry
            assert entry["reason"].strip()
