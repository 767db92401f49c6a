"""`unideploy terraform unlock -e ENV LOCK_ID`: release a Terraform state lock (force-unlock).

Thin: find the module workspaces of the environment (stack dir + module dirs, plain values),
find the one holding LOCK_ID, ask the Terraform engine to release it, print what was released.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from unideploy.cli.common import console, emit_json, environment_option, globals_of, output_option
from unideploy.engines.terraform.contract import terraform_engine
from unideploy.engines.terraform.model import StateLock, TerraformWorkspace, module_workspace
from unideploy.errors import EngineError
from unideploy.exitcodes import ExitCode


def workspaces(
    stack_dir: Path, environment: str, module_dirs: Mapping[str, Path]
) -> list[TerraformWorkspace]:
    """The Terraform workspaces of `environment`, from plain values.

    Every configured module (name → module dir), plus any module that has state on disk but is
    no longer configured: its lock may still need releasing.
    """
    found = {
        name: TerraformWorkspace(
            name, environment, path, module_workspace(stack_dir, environment, name).state_dir
        )
        for name, path in module_dirs.items()
    }
    state_root = stack_dir / ".unideploy" / "terraform" / environment
    if state_root.is_dir():
        for child in sorted(state_root.iterdir()):
            if child.is_dir() and child.name not in found:
                found[child.name] = module_workspace(stack_dir, environment, child.name)
    return [found[name] for name in sorted(found)]


def _lock_dict(lock: StateLock) -> dict[str, Any]:
    return {
        "id": lock.id,
        "who": lock.who,
        "pid": lock.pid,
        "operation": lock.operation,
        "created": lock.created.isoformat() if lock.created else None,
        "held": lock.held,
        "path": lock.path,
    }


def _stack_layout(ctx: click.Context, environment: str) -> tuple[Path, dict[str, Path], Any]:
    stack = globals_of(ctx).stack()
    stack.environment(environment)  # an unknown environment is a ConfigError naming the known
    section = stack.file.terraform
    module_dirs = {m.name: stack.resolve(m.path) for m in section.modules}
    binary = stack.resolve(section.binary) if section.binary else None
    engine = terraform_engine(str(section.engine), binary=binary)
    return stack.root, module_dirs, engine


@click.group("terraform")
def terraform_group() -> None:
    """Work with the Terraform phase's state directly.

    Each Terraform module keeps its own state per environment under the stack's
    `.unideploy/terraform/ENV/MODULE/`; unideploy locks it while planning or applying.
    """


@terraform_group.command("unlock")
@environment_option()
@click.argument("lock_id", metavar="LOCK_ID")
@click.option(
    "--module", "module", metavar="NAME", help="Module whose state is locked (default: search all)."
)
@click.option("--force", "-f", is_flag=True, help="Do not ask before stopping a live holder.")
@output_option
@click.pass_context
def unlock_command(
    ctx: click.Context,
    environment: str,
    lock_id: str,
    module: str | None,
    force: bool,
    output: str,
) -> int:
    """Release the Terraform state lock LOCK_ID in ENV (like `terraform force-unlock`).

    LOCK_ID is the ID a failed deploy printed ("... is locked: lock 0ea78ff5-... held by").
    A stale lock (its run was killed) is removed. A lock whose holder is still running is
    released by asking that Terraform process to stop (SIGINT: it saves state, then unlocks);
    you are asked first unless --force.

    \b
    Examples:
      unideploy terraform unlock -e development 0ea78ff5-5ec4-c31d-3f86-2af81e1549dd
      unideploy terraform unlock -e production LOCK_ID --module networking --force -o json
    """
    stack_dir, module_dirs, engine = _stack_layout(ctx, environment)
    candidates = workspaces(stack_dir, environment, module_dirs)
    if module is not None:
        candidates = [ws for ws in candidates if ws.name == module]
        if not candidates:
            known = ", ".join(sorted(module_dirs)) or "none"
            raise EngineError(
                f'no terraform module "{module}" in environment {environment}',
                hint=f"modules: {known}",
            )
    locks = [(ws, engine.state_lock(ws)) for ws in candidates]
    matching = [(ws, lock) for ws, lock in locks if lock is not None and lock.id == lock_id]
    if not matching and module is None:
        current = [f"{ws.name}: {lock.id}" for ws, lock in locks if lock is not None]
        raise EngineError(
            f"no terraform state in environment {environment} is locked with ID {lock_id}",
            hint="current locks: " + ", ".join(current) if current else "no state is locked",
        )
    ws, lock = matching[0] if matching else (candidates[0], None)
    if lock is not None and lock.held and not force:
        if output != "text":
            raise EngineError(
                f'{lock.describe()} is still running on module "{ws.name}"',
                hint="add --force to stop it (Terraform saves state, then unlocks)",
            )
        click.confirm(
            f'{lock.describe()} is still running on module "{ws.name}". Stop it?', abort=True
        )
    released = engine.force_unlock(ws, lock_id)
    if output == "json":
        emit_json(
            {
                "environment": environment,
                "module": ws.name,
                "released": True,
                "lock": _lock_dict(released),
            }
        )
        return ExitCode.OK
    how = "holder stopped gracefully" if released.held else "stale lock removed"
    console().print(f'unlocked module "{ws.name}" ({environment}): {released.describe()} ({how})')
    return ExitCode.OK
