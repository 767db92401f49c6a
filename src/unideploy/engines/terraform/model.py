"""The Terraform engine's values: workspaces, plan summaries, outputs, state locks, errors.

Plain data shared by the contract and every implementation (core, libtf, binary, lock, parse);
it imports none of them, so the engine's modules form a line, not a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from unideploy.errors import EngineError
from unideploy.exitcodes import ExitCode

REDACTED = "(sensitive)"


@dataclass(frozen=True)
class TerraformWorkspace:
    """One module in one environment: where its code lives and where its state lives.

    `state_dir` holds TF_DATA_DIR, the state file, the generated CLI config and the init stamp;
    it is never inside `module_dir`. `name` and `environment` label messages only.
    """

    name: str
    environment: str
    module_dir: Path
    state_dir: Path

    def absolute(self) -> TerraformWorkspace:
        """The same workspace with absolute paths (Terraform runs with -chdir into the module)."""
        return TerraformWorkspace(
            self.name, self.environment, self.module_dir.resolve(), self.state_dir.resolve()
        )

    @property
    def state_file(self) -> Path:
        """The local state file of this module and environment."""
        return self.state_dir / "terraform.tfstate"

    @property
    def data_dir(self) -> Path:
        """TF_DATA_DIR: providers, modules and backend settings of this workspace."""
        return self.state_dir / "data"

    @property
    def default_plan_file(self) -> Path:
        """Where a plan is saved when the caller does not choose a path."""
        return self.state_dir / "plan.tfplan"


def module_workspace(
    stack_dir: Path, environment: str, module: str, *, modules_dir: Path | None = None
) -> TerraformWorkspace:
    """Map a module name to its workspace: `<stack>/terraform/modules/<module>` and its state dir.

    State lives in `<stack>/.unideploy/terraform/<environment>/<module>/`.
    """
    base = modules_dir if modules_dir is not None else stack_dir / "terraform" / "modules"
    return TerraformWorkspace(
        name=module,
        environment=environment,
        module_dir=base / module,
        state_dir=stack_dir / ".unideploy" / "terraform" / environment / module,
    )


@dataclass(frozen=True)
class ResourceChange:
    """One resource instance in a plan and what Terraform will do to it."""

    address: str
    action: str  # create | update | delete | replace | read | no-op


@dataclass(frozen=True)
class OutputChange:
    """One root output in a plan; `value` is already redacted when sensitive or unknown."""

    name: str
    action: str
    sensitive: bool
    value: Any = None


@dataclass(frozen=True)
class PlanSummary:
    """What a saved plan will do, safe to print and to record in history.

    `plan_sha256` is the hash of the plan file's bytes (apply refuses any other file);
    `changes_sha256` is a stable hash of the redacted change set (equal plans, equal hashes).
    """

    workspace: TerraformWorkspace
    plan_file: Path
    add: int
    change: int
    destroy: int
    resources: tuple[ResourceChange, ...]
    outputs: tuple[OutputChange, ...]
    plan_sha256: str
    changes_sha256: str
    warnings: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        """True when applying would change a resource or an output."""
        return bool(self.add or self.change or self.destroy) or any(
            o.action != "no-op" for o in self.outputs
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (sensitive values are already redacted)."""
        return {
            "module": self.workspace.name,
            "environment": self.workspace.environment,
            "plan_file": str(self.plan_file),
            "add": self.add,
            "change": self.change,
            "destroy": self.destroy,
            "has_changes": self.has_changes,
            "resources": [{"address": r.address, "action": r.action} for r in self.resources],
            "outputs": [
                {"name": o.name, "action": o.action, "sensitive": o.sensitive, "value": o.value}
                for o in self.outputs
            ],
            "plan_sha256": self.plan_sha256,
            "changes_sha256": self.changes_sha256,
        }


@dataclass(frozen=True)
class ApplyResult:
    """What an apply did: counts from Terraform's own apply summary."""

    workspace: TerraformWorkspace
    add: int
    change: int
    destroy: int
    plan_sha256: str


@dataclass(frozen=True)
class OutputValue:
    """One root output read from state. Its repr never shows a sensitive value."""

    name: str
    value: Any = field(repr=False)
    sensitive: bool = False
    type: Any = None

    def display(self) -> Any:
        """The value for printing: REDACTED when the output is sensitive."""
        return REDACTED if self.sensitive else self.value

    def __repr__(self) -> str:
        return (
            f"OutputValue(name={self.name!r}, value={self.display()!r}, sensitive={self.sensitive})"
        )


@dataclass(frozen=True)
class StateLock:
    """A lock on a workspace's state as Terraform records it (`held` False means stale)."""

    id: str
    who: str
    operation: str
    created: datetime | None
    path: str
    held: bool
    pid: int | None = None

    def describe(self, now: datetime | None = None) -> str:
        """E.g. `lock 0ea7… held by root@vm (pid 42) for apply since 11:56:09 UTC (3 min ago)`."""
        who = self.who or "an unknown holder"
        if self.pid is not None:
            who += f" (pid {self.pid})"
        operation = self.operation.removeprefix("OperationType").lower() or "an operation"
        text = f"lock {self.id} held by {who} for {operation}"
        if self.created is not None:
            text += f" since {self.created:%Y-%m-%d %H:%M:%S} UTC ({_age(self.created, now)})"
        return text


def _age(created: datetime, now: datetime | None) -> str:
    current = now if now is not None else datetime.now(tz=created.tzinfo)
    seconds = max(0, int((current - created).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min ago"


class StateLockedError(EngineError):
    """The workspace's state is locked by another Terraform operation."""

    def __init__(self, workspace: TerraformWorkspace, lock: StateLock) -> None:
        super().__init__(
            f'terraform state of module "{workspace.name}" ({workspace.environment}) is locked: '
            + lock.describe(),
            hint=f"wait for that run to finish, or `unideploy terraform unlock -e "
            f"{workspace.environment} {lock.id}` if it is dead or stuck",
        )
        self.workspace = workspace
        self.lock = lock


class TerraformInterrupted(EngineError):
    """A Terraform operation stopped because it was cancelled; state was saved and unlocked."""

    exit_code = ExitCode.INTERRUPTED
