"""Alert rules and dashboard queries checked by the real promtool (Debian package `prometheus`)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from unideploy.cli.monitoring_cmd import monitoring_group
from unideploy.engines.process import Completed, run
from unideploy.observe.alerts import (
    configmap,
    prometheus_rule,
    rendered,
    rule_groups,
    stale_files,
)
from unideploy.observe.dashboard import dashboard, expressions

REPO = Path(__file__).resolve().parents[2]
RULES_TEST = REPO / "tests" / "fixtures" / "monitoring" / "deployment-rules.test.yaml"
# Grafana fills these in before a query reaches Prometheus.
TEMPLATE_VALUES = {"$__range": "1h", "$environment": "staging|production"}


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    reason = "promtool not installed (apt-get install prometheus)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def committed_rules(form: str) -> dict[str, Any]:
    """The rules file as held by one of the committed manifests."""
    if form == "configmap":
        document = yaml.safe_load((REPO / "monitoring" / "deployment-metrics.yaml").read_text())
        assert document["kind"] == "ConfigMap"
        return dict(yaml.safe_load(document["data"]["prometheus-rules.yaml"]))
    document = yaml.safe_load((REPO / "monitoring" / "deployment-metrics-rule.yaml").read_text())
    assert document["kind"] == "PrometheusRule"
    return dict(document["spec"])


def promtool_test(promtool: str, rules: dict[str, Any], where: Path) -> Completed:
    (where / "deployment-rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    shutil.copy(RULES_TEST, where / "rules.test.yaml")
    return run([promtool, "test", "rules", "rules.test.yaml"], cwd=where, timeout=120)


def test_committed_files_are_rendered_from_the_source() -> None:
    assert stale_files(REPO / "monitoring") == [], "run `unideploy monitoring render`"


def test_both_manifests_hold_the_same_rules() -> None:
    assert committed_rules("configmap") == committed_rules("prometheusrule") == rule_groups()
    alerts = [r["alert"] for r in rule_groups()["groups"][0]["rules"]]
    assert alerts == ["DeploymentDuration", "DeploymentFailure"]
    assert configmap()["metadata"]["name"] == prometheus_rule()["metadata"]["name"]


@pytest.mark.parametrize("form", ["configmap", "prometheusrule"])
def test_promtool_accepts_the_rules(promtool: str, form: str, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(committed_rules(form)))

    done = run([promtool, "check", "rules", str(path)], timeout=60)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 rules found" in done.stdout + done.stderr


@pytest.mark.parametrize("form", ["configmap", "prometheusrule"])
def test_alerts_fire_on_long_or_failed_runs_but_not_in_maintenance(
    promtool: str, form: str, tmp_path: Path
) -> None:
    done = promtool_test(promtool, committed_rules(form), tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_rule_tests_notice_a_missing_maintenance_guard(promtool: str, tmp_path: Path) -> None:
    rules = rule_groups()
    for rule in rules["groups"][0]["rules"]:
        rule["expr"] = rule["expr"].split("unless on")[0].strip()

    done = promtool_test(promtool, rules, tmp_path)

    assert done.returncode != 0
    assert "FAILED" in done.stdout + done.stderr


def _expression_rules(exprs: list[str]) -> dict[str, Any]:
    filled = []
    for expr in exprs:
        for variable, value in TEMPLATE_VALUES.items():
            expr = expr.replace(variable, value)
        filled.append(expr)
    rules = [{"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(filled)]
    return {"groups": [{"name": "dashboard", "rules": rules}]}


def test_every_dashboard_query_parses(promtool: str, tmp_path: Path) -> None:
    committed = (REPO / "monitoring" / "dashboards" / "deployments.json").read_text()
    exprs = expressions(json.loads(committed))
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump(_expression_rules(exprs)))

    done = run([promtool, "check", "rules", str(path)], timeout=60)

    assert len(exprs) >= 5
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(exprs)} rules found" in done.stdout + done.stderr


def test_a_broken_query_is_caught(promtool: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(_expression_rules(["sum by (environment (deployment_success)"])))

    done = run([promtool, "check", "rules", str(path)], timeout=60)

    assert done.returncode != 0


def test_dashboard_has_the_seed_panels_and_phase_durations() -> None:
    panels = {p["title"]: p for p in dashboard()["panels"]}

    assert {"Deployment Success Rate", "Deployment Duration", "Environment Status"} <= set(panels)
    assert panels["Environment Status"]["type"] == "table"
    phase = panels["Duration per Phase"]["targets"][0]["expr"]
    assert "by (environment, phase)" in phase and 'phase!="total"' in phase
    assert any("deployment_last_success_timestamp" in e for e in expressions())


def test_render_check_and_write(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "monitoring"

    stale = runner.invoke(
        monitoring_group, ["render", "--check", "--dir", str(target)], standalone_mode=False
    )
    written = runner.invoke(
        monitoring_group, ["render", "--dir", str(target)], standalone_mode=False
    )
    fresh = runner.invoke(
        monitoring_group, ["render", "--check", "--dir", str(target)], standalone_mode=False
    )

    assert stale.return_value == 1 and "stale" in stale.output
    assert written.return_value == 0
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*.*")) == sorted(
        rendered()
    )
    assert fresh.return_value == 0 and "up to date" in fresh.output
    (target / "deployment-metrics.yaml").write_text("edited\n")
    again = runner.invoke(
        monitoring_group, ["render", "--check", "--dir", str(target)], standalone_mode=False
    )
    assert again.return_value == 1 and "deployment-metrics.yaml" in again.output
