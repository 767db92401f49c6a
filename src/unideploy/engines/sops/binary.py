"""The `sops` binary: decrypt to a pipe (never a file), encrypt in place, edit in $EDITOR.

Found as $UNIDEPLOY_SOPS_BIN, else `sops` on PATH. Decrypting asks for JSON on stdout and parses it
in memory; sops' own error text (which never holds a clear value) becomes the SopsError message.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unideploy.engines.process import interactive, run
from unideploy.engines.sops.contract import KEY_HINT, SopsError

BIN_ENV = "UNIDEPLOY_SOPS_BIN"
TIMEOUT_S = 60


def find_sops(env: Mapping[str, str] | None = None) -> str | None:
    """The sops binary to use, or None when there is none."""
    environ = env if env is not None else os.environ
    chosen = environ.get(BIN_ENV)
    if chosen:
        return chosen if Path(chosen).is_file() else None
    return shutil.which("sops")


def _input_type(path: Path) -> str:
    return "json" if path.suffix.lower() == ".json" else "yaml"


def _failure(shown: str, stderr: str) -> SopsError:
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    detail = " | ".join(lines[-3:]) or "sops failed"
    lowered = detail.lower()
    if "mac mismatch" in lowered:
        hint = "edit encrypted files with `unideploy secrets edit`, or restore it from git"
    elif "failed to get the data key" in lowered or "no identity" in lowered:
        hint = KEY_HINT
    else:
        hint = "run `sops decrypt` on the file to see the whole error"
    return SopsError(f"{shown}: sops: {detail}", path=shown, hint=hint)


class BinaryDecryptor:
    """Decrypts through the real `sops`, output kept in memory."""

    name = "sops"

    def __init__(self, binary: str, env: Mapping[str, str] | None = None) -> None:
        self.binary = binary
        self._env = env

    def decrypt(self, path: Path, document: Mapping[str, Any], shown: str) -> dict[str, Any]:
        """The clear tree, as `sops decrypt --output-type json` prints it."""
        argv = [self.binary, "decrypt", "--input-type", _input_type(path), "--output-type", "json"]
        done = run([*argv, str(path)], env=self._env, timeout=TIMEOUT_S)
        if done.returncode != 0:
            raise _failure(shown, done.stderr)
        tree = json.loads(done.stdout)
        if not isinstance(tree, dict):
            raise SopsError(f"{shown}: sops returned no mapping", path=shown)
        return tree


def encrypt_in_place(binary: str, path: Path, config: Path | None, cwd: Path) -> None:
    """`sops encrypt --in-place`, with `.sops.yaml` creation rules."""
    extra = ("--config", str(config)) if config else ()
    done = run([binary, *extra, "encrypt", "--in-place", str(path)], cwd=cwd, timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise _failure(str(path), done.stderr)


def decrypt_to_stdout(binary: str, path: Path) -> str:
    """The clear file text (for `secrets decrypt`, which prints it on purpose)."""
    done = run([binary, "decrypt", str(path)], timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise _failure(str(path), done.stderr)
    return done.stdout


def edit(binary: str, path: Path, config: Path | None, cwd: Path) -> int:
    """`sops edit FILE` on the terminal; returns sops' exit code."""
    extra = ["--config", str(config)] if config else []
    return interactive([binary, *extra, "edit", str(path)], cwd=cwd)
