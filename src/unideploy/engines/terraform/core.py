"""The Terraform flow shared by every engine: cached init, plan -out, apply of that plan, outputs.

Subclasses supply one primitive, `_invoke` (run one Terraform command for a workspace and
collect its `-json` events); everything else, including errors and interrupts, lives here.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.engines.terraform.config import (
    CliConfig,
    init_cache_key,
    init_is_current,
    init_stamp,
    plain_variables,
    write_cli_config,
    write_var_file,
)
from unideploy.engines.terraform.lock import local_lock, lock_info_path, release_local_lock
from unideploy.engines.terraform.model import (
    ApplyResult,
    OutputValue,
    PlanSummary,
    StateLock,
    StateLockedError,
    TerraformInterrupted,
    TerraformWorkspace,
)
from unideploy.engines.terraform.parse import (
    apply_counts,
    diagnostics,
    engine_error,
    needs_init,
    parse_outputs,
    scrub,
    summarize_plan,
    warning_texts,
)
from unideploy.errors import EngineError

INTERRUPT_MARK = "Interrupt received"


@dataclass
class Invocation:
    """What one Terraform command produced: exit code, `-json` events, other text."""

    returncode: int
    events: list[dict[str, Any]]
    text: list[str]
    interrupted: bool = False


class Collector:
    """Splits a command's output lines into `-json` events and plain text; notices interrupts."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.text: list[str] = []
        self.interrupt_seen = threading.Event()

    def feed(self, line: str) -> None:
        """Take one line of output."""
        stripped = line.strip()
        if stripped.startswith("{") and stripped.endswith("}"):
            try:
                event = json.loads(stripped)
            except json.JSONDecodeError:
                event = None
            if isinstance(event, dict) and "@message" in event:
                self.events.append(event)
                if INTERRUPT_MARK in str(event.get("@message", "")):
                    self.interrupt_seen.set()
                return
        self.text.append(line.rstrip("\n"))


class Interrupter:
    """Sends Terraform at most one interrupt: a second one makes it exit without saving state.

    When Terraform may already have the terminal's SIGINT (same process group), wait `grace`
    seconds for its "Interrupt received" before sending our own.
    """

    def __init__(self, send: Callable[[], None], seen: threading.Event, grace: float) -> None:
        self._send = send
        self._seen = seen
        self._grace = grace
        self._claimed = threading.Lock()
        self.requested = False

    def request(self) -> None:
        """Ask Terraform to stop gracefully (idempotent)."""
        if not self._claimed.acquire(blocking=False):
            return
        self.requested = True
        if self._seen.wait(self._grace):
            return
        self._send()


def _scrubbed(error: EngineError, secrets: frozenset[str]) -> EngineError:
    """The same error with every secret value replaced (Terraform quotes non-sensitive vars)."""
    if secrets:
        error.message = scrub(error.message, secrets)
        error.hint = scrub(error.hint, secrets) if error.hint else error.hint
        error.args = (error.message,)
    return error


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


class CommandEngine:
    """A TerraformEngine on top of one primitive: run a Terraform command in a workspace."""

    engine_id = "terraform"

    def __init__(self, cli: CliConfig) -> None:
        self.cli = cli

    def _invoke(
        self, ws: TerraformWorkspace, args: list[str], *, cancel: threading.Event | None = None
    ) -> Invocation:
        raise NotImplementedError

    def _prepare(self, ws: TerraformWorkspace) -> None:
        if not ws.module_dir.is_dir():
            raise EngineError(
                f'terraform module "{ws.name}" not found at {ws.module_dir}',
                hint="check the module's path in stack.yaml",
            )
        ws.state_dir.mkdir(parents=True, exist_ok=True)
        ws.state_dir.chmod(0o700)  # state, plans and var files may hold secrets
        write_cli_config(ws, self.cli)

    def init(self, ws: TerraformWorkspace) -> bool:
        """Run `init` unless the last successful one saw the same sources, lock file and config."""
        ws = ws.absolute()
        self._prepare(ws)
        key = init_cache_key(ws, self.engine_id, self.cli)
        if init_is_current(ws, key):
            return False
        args = ["init", "-input=false", "-no-color", "-json"]
        if (ws.module_dir / ".terraform.lock.hcl").is_file():
            args.append("-lockfile=readonly")  # never rewrite the repository's lock file
        done = self._invoke(ws, args)
        if done.returncode != 0:
            raise engine_error(ws, "init", diagnostics(done.events), "\n".join(done.text))
        ws.data_dir.mkdir(parents=True, exist_ok=True)  # absent when no provider is needed
        init_stamp(ws).write_text(key + "\n", encoding="utf-8")
        return True

    def plan(
        self,
        ws: TerraformWorkspace,
        variables: Mapping[str, Any],
        *,
        plan_file: Path | None = None,
        cancel: threading.Event | None = None,
        refresh_only: bool = False,
    ) -> PlanSummary:
        """Run `plan -out` against the workspace's own state and summarise the saved plan."""
        ws = ws.absolute()
        self.init(ws)
        target = (plan_file if plan_file is not None else ws.default_plan_file).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        plain, secrets = plain_variables(variables)
        var_file = write_var_file(ws, plain)
        args = [
            "plan",
            "-input=false",
            "-no-color",
            "-json",
            "-lock-timeout=0s",
            f"-state={ws.state_file}",
            f"-var-file={var_file}",
            f"-out={target}",
        ]
        if refresh_only:
            args.append("-refresh-only")
        try:
            done = self._invoke(ws, args, cancel=cancel)
            if done.returncode != 0 and needs_init(diagnostics(done.events)):
                init_stamp(ws).unlink(missing_ok=True)
                self.init(ws)
                done = self._invoke(ws, args, cancel=cancel)
        finally:
            var_file.unlink(missing_ok=True)
        try:
            self._raise_for(ws, "plan", done)
        except EngineError as exc:
            raise _scrubbed(exc, secrets) from None
        shown = self._invoke(ws, ["show", "-json", "-no-color", str(target)])
        if shown.returncode != 0:
            raise engine_error(ws, "show", diagnostics(shown.events), "\n".join(shown.text))
        document = json.loads("\n".join(shown.text))
        return summarize_plan(
            ws,
            target,
            document,
            plan_sha256=file_sha256(target),
            warnings=warning_texts(diagnostics(done.events)),
            secrets=secrets,
            drift=refresh_only,
        )

    def apply(self, plan: PlanSummary, *, cancel: threading.Event | None = None) -> ApplyResult:
        """Apply exactly the saved plan `plan` was made from; refuse if the file changed."""
        ws = plan.workspace
        self._prepare(ws)
        if not plan.plan_file.is_file() or file_sha256(plan.plan_file) != plan.plan_sha256:
            raise EngineError(
                f'the saved plan of module "{ws.name}" ({ws.environment}) changed or vanished '
                f"since it was made ({plan.plan_file}); refusing to apply it",
                hint="run the plan again",
            )
        args = [
            "apply",
            "-input=false",
            "-no-color",
            "-json",
            "-auto-approve",
            "-lock-timeout=0s",
            f"-state={ws.state_file}",
            str(plan.plan_file),
        ]
        done = self._invoke(ws, args, cancel=cancel)
        self._raise_for(ws, "apply", done)
        add, change, destroy = apply_counts(done.events)
        return ApplyResult(ws, add, change, destroy, plan.plan_sha256)

    def outputs(self, ws: TerraformWorkspace) -> dict[str, OutputValue]:
        """The root outputs recorded in the workspace's state (empty before the first apply)."""
        ws = ws.absolute()
        self._prepare(ws)
        if not ws.state_file.is_file():
            return {}
        done = self._invoke(ws, ["output", "-json", "-no-color", f"-state={ws.state_file}"])
        if done.returncode != 0:
            raise engine_error(ws, "output", diagnostics(done.events), "\n".join(done.text))
        text = "\n".join(done.text).strip()
        return parse_outputs(json.loads(text) if text else {})

    def state_lock(self, ws: TerraformWorkspace) -> StateLock | None:
        """The lock on the workspace's local state, held or stale, or None."""
        ws = ws.absolute()
        return local_lock(ws)

    def force_unlock(self, ws: TerraformWorkspace, lock_id: str) -> StateLock:
        """Release lock `lock_id`: locally by ourselves, otherwise with `force-unlock`."""
        ws = ws.absolute()
        if lock_info_path(ws).exists():
            return release_local_lock(ws, lock_id)
        self._prepare(ws)
        done = self._invoke(ws, ["force-unlock", "-force", "-no-color", lock_id])
        if done.returncode != 0:
            raise EngineError(
                f'could not unlock the terraform state of module "{ws.name}" '
                f"({ws.environment}): " + " | ".join(done.text[-3:]),
                hint="check the lock ID in the error that reported the lock",
            )
        return StateLock(lock_id, "", "", None, str(ws.state_file), held=False)

    def _raise_for(self, ws: TerraformWorkspace, command: str, done: Invocation) -> None:
        if done.interrupted and done.returncode != 0:  # finished anyway: that is a success
            still = local_lock(ws)
            state = "its lock is still held" if still and still.held else "state saved, unlocked"
            raise TerraformInterrupted(
                f'terraform {command} of module "{ws.name}" ({ws.environment}) was '
                f"interrupted ({state})",
                hint="run the deploy again to finish; interrupted resources are re-planned",
            )
        if done.returncode < 0:  # killed by a signal: no diagnostics, maybe a stale lock
            stale = local_lock(ws)
            raise EngineError(
                f'terraform {command} of module "{ws.name}" ({ws.environment}) was killed by '
                f"signal {-done.returncode}",
                hint=f"`unideploy terraform unlock -e {ws.environment} {stale.id}` removes the "
                "lock it left"
                if stale is not None and not stale.held
                else "see the debug log for Terraform's last output",
            )
        if done.returncode != 0:
            error = engine_error(ws, command, diagnostics(done.events), "\n".join(done.text))
            if isinstance(error, StateLockedError):
                local = local_lock(ws)  # the info file also knows the holder's pid
                if local is not None and local.id == error.lock.id:
                    error = StateLockedError(ws, local)
            raise error
