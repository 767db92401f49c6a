"""Render a templated helmfile through the real `helmfile build`, for `unideploy import helmfile`.

The helmfile binary is --helmfile-bin, else $UNIDEPLOY_HELMFILE_BIN, else the one
scripts/setup/install-tools.sh built into the tools cache, else `helmfile` on PATH; the helm binary
it runs is found the same way ($UNIDEPLOY_HELM_BIN, the cache, PATH). The rendered states go to
config/helmfile.py, which reads them instead of the templated files.
"""

from __future__ import annotations

from pathlib import Path

from unideploy.engines.helmfile.binary import BIN_ENV, HELM_BIN_ENV, build_states, find_binary
from unideploy.errors import ConfigError, EngineError, SourceLocation
from unideploy.sandbox.tools import find_tool

FIND_HINT = (
    "build it with scripts/setup/install-tools.sh, or name one with --helmfile-bin PATH "
    f"or ${BIN_ENV}"
)
MISSING_HINT = (
    f"{FIND_HINT}; or render it yourself (`helmfile -e ENV build --embed-values > plain.yaml`) "
    "and import that file"
)


def _cached(name: str) -> Path | None:
    try:
        return find_tool(name)
    except EngineError:  # not built, or no tools/versions.env beside an installed package
        return None


def helmfile_binary(chosen: str | None, helmfile: Path) -> str:
    """The helmfile binary to run, or a config error saying how to get one."""
    if chosen:
        if Path(chosen).is_file():
            return chosen
        raise ConfigError(f"--helmfile-bin {chosen}: no such file", hint=FIND_HINT)
    found = find_binary("helmfile", BIN_ENV, _cached("helmfile"))
    if found is None:
        raise ConfigError(
            "templated helmfile: rendering it needs the helmfile binary, which was not found",
            hint=MISSING_HINT,
            location=SourceLocation(str(helmfile)),
        )
    return found


def rendered_states(helmfile: Path, environment: str, chosen: str | None) -> dict[Path, str]:
    """Each state file's text as `helmfile -e ENVIRONMENT build --embed-values` prints it."""
    binary = helmfile_binary(chosen, helmfile)
    helm = find_binary("helm", HELM_BIN_ENV, _cached("helm"))
    states = build_states(binary, helmfile, environment, helm=helm)
    return {state.source.resolve(): state.text for state in states}
