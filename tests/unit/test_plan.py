"""The plan: tiers in the stack's order, releases in waves by their needs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from unideploy.cli.main import main
from unideploy.config.load import load_stack
from unideploy.plan.build import PHASES, build_plan


def test_plan_orders_tiers_and_waves(make_stack: Callable[..., Path]) -> None:
    plan = build_plan(load_stack(make_stack()), "production")
    assert [tier.name for tier in plan.tiers] == ["infrastructure", "applications"]
    assert [(r.name, r.wave, r.needs) for r in plan.releases] == [
        ("ingress", 1, ()),
        ("api", 1, ("edge/ingress",)),
        ("web", 2, ("api",)),
    ]
    assert [phase.name for phase in plan.phases] == list(PHASES)
    assert plan.modules[0].vars["environment"] == "production"


def test_terraform_vars_take_environment_overrides(make_stack: Callable[..., Path]) -> None:
    root = make_stack()
    text = (
        (root / "stack.yaml")
        .read_text()
        .replace(
            "      path: tf/networking\n",
            "      path: tf/networking\n      vars: {domain: a, size: 1}\n"
            "      environments:\n        production: {vars: {domain: b}}\n",
        )
    )
    (root / "stack.yaml").write_text(text)
    stack = load_stack(root)
    assert build_plan(stack, "development").modules[0].vars == {
        "domain": "a",
        "size": 1,
        "environment": "development",
    }
    assert build_plan(stack, "production").modules[0].vars["domain"] == "b"


def test_plan_json_is_one_document(
    make_stack: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(make_stack())
    assert main(["plan", "-e", "development", "--output", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["environment"] == "development"
    assert [t["name"] for t in document["tiers"]] == ["infrastructure", "applications"]
    assert document["tiers"][1]["releases"][1]["needs"] == ["api"]


def test_reference_stack_validates_for_every_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = Path(__file__).resolve().parents[2]
    assert main(["--stack", str(repo), "validate", "-o", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [e["environment"] for e in document["environments"]] == [
        "development",
        "staging",
        "production",
    ]


def test_reference_stack_plans_production_in_the_seed_tier_order() -> None:
    repo = Path(__file__).resolve().parents[2]
    plan = build_plan(load_stack(repo), "production")
    assert [tier.name for tier in plan.tiers] == [
        "infrastructure",
        "storage",
        "monitoring",
        "applications",
    ]
    grafana = next(r for r in plan.releases if r.name == "grafana")
    assert grafana.needs == ("prometheus", "loki")
    assert all(tier.releases for tier in plan.tiers)
