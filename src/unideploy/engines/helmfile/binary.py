"""The `helmfile` binary, asked to render a templated helmfile into its plain state.

`unideploy import helmfile` does not re-implement helmfile's templates (`.gotmpl`, `.Values`,
`requiredEnv`, `readFile`, `exec`): it runs `helmfile --environment ENV build --embed-values` here
and reads the states it prints, one YAML document per state file (nested helmfiles first, in
order: `--sequential-helmfiles`), each preceded by a `#  Source: PATH` comment. The helm binary
helmfile shells out to is passed with `--helm-binary` when one is known.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from unideploy.engines.process import run
from unideploy.errors import ConfigError, EngineError, SourceLocation

BIN_ENV = "UNIDEPLOY_HELMFILE_BIN"
HELM_BIN_ENV = "UNIDEPLOY_HELM_BIN"
TIMEOUT_S = 300.0
_SOURCE = re.compile(r"^---\n#\s+Source:\s*(?P<path>.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class RenderedState:
    """One state file as helmfile rendered it: where it came from, its document and its text."""

    source: Path
    document: dict[str, Any]
    text: str


def build_argv(helmfile: str, file: Path, environment: str, helm: str | None = None) -> list[str]:
    """The command line of `helmfile build` for `file` in `environment`."""
    argv = [helmfile, "--file", str(file), "--environment", environment, "--no-color"]
    if helm:
        argv += ["--helm-binary", helm]
    return [*argv, "--sequential-helmfiles", "build", "--embed-values"]


def parse_build(stdout: str, cwd: Path) -> list[RenderedState]:
    """Split `helmfile build`'s output into its states (safe YAML loading)."""
    marks = list(_SOURCE.finditer(stdout))
    states: list[RenderedState] = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(stdout)
        text = stdout[mark.end() : end].lstrip("\n")
        document = yaml.safe_load(text) or {}
        if not isinstance(document, dict):
            raise EngineError("helmfile build printed a state that is not a mapping")
        source = Path(mark.group("path"))
        states.append(
            RenderedState(source if source.is_absolute() else cwd / source, document, text)
        )
    return states


def build_states(
    helmfile: str,
    file: Path,
    environment: str,
    *,
    helm: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[RenderedState]:
    """Run `helmfile build` and return the rendered states; a failure is the user's helmfile's."""
    cwd = file.resolve().parent
    done = run(
        build_argv(helmfile, file.resolve(), environment, helm), cwd=cwd, env=env, timeout=TIMEOUT_S
    )
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line]
        detail = " | ".join(lines[-4:]) or f"exit {done.returncode}"
        raise ConfigError(
            f"helmfile could not render it for environment {environment}: {detail}",
            hint=f"run `helmfile -f {file} -e {environment} build` to see the whole error",
            location=SourceLocation(str(file)),
        )
    states = parse_build(done.stdout, cwd)
    if not states:
        raise EngineError(
            "helmfile build printed no state",
            hint=f"run `helmfile -f {file} -e {environment} build` to see what it prints",
        )
    return states


def find_binary(
    name: str, env_var: str, cached: Path | None, env: Mapping[str, str] | None = None
) -> str | None:
    """`name`'s binary: $`env_var` (None when it names no file), else `cached`, else PATH."""
    environ = env if env is not None else os.environ
    chosen = environ.get(env_var)
    if chosen:
        return chosen if Path(chosen).is_file() else None
    if cached is not None:
        return str(cached)
    return shutil.which(name)
