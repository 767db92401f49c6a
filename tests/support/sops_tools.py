"""The real sops and age binaries from the tool cache, and helpers that write files with them.

Tests that need them fail (never skip) with the install command when they are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from unideploy.engines.process import run
from unideploy.sandbox.tools import ToolNotFoundError, find_tool


def tool(name: str) -> str:
    """The cached binary, or a test failure naming scripts/setup/install-tools.sh."""
    try:
        return str(find_tool(name))
    except ToolNotFoundError as exc:
        pytest.fail(f"{exc.message}: {exc.hint}")


#: The reference stack's development secrets are SOPS-encrypted for this committed TEST KEY ONLY
#: (docs/secrets.md); tests/conftest.py points SOPS_AGE_KEY_FILE at it unless a key is set.
REFERENCE_TEST_KEY = (
    Path(__file__).resolve().parents[2] / "environments/development/age-key.TEST-KEY-ONLY.txt"
)


@dataclass(frozen=True)
class AgeKey:
    """A throwaway age key pair written by the real age-keygen."""

    path: Path
    recipient: str

    def env(self) -> dict[str, str]:
        """The environment sops (and unideploy) read the key from."""
        return {
            "SOPS_AGE_KEY_FILE": str(self.path),
            "PATH": "/usr/bin:/bin",
            "HOME": "/nonexistent",
        }


def age_key(directory: Path, name: str = "key.txt") -> AgeKey:
    """Generate a key with age-keygen into `directory/name`."""
    path = directory / name
    done = run([tool("age-keygen"), "-o", str(path)], timeout=30, check=True)
    recipient = next(
        line.split(":", 1)[1].strip()
        for line in (done.stderr + path.read_text()).splitlines()
        if "public key:" in line
    )
    return AgeKey(path, recipient)


def sops_encrypt(clear: Path, out: Path, key: AgeKey, *extra: str) -> Path:
    """Encrypt `clear` with the real sops for `key` and write the result to `out`."""
    recipient = () if "--config" in extra else ("--age", key.recipient)
    argv = [tool("sops"), *extra, "encrypt", *recipient, str(clear)]
    # sops reads `.sops.yaml` from its working directory upwards: run it beside the file, not in
    # the repository, whose creation rules cover the reference stack's files only.
    done = run(argv, cwd=clear.parent, env=key.env(), timeout=60, check=True)
    out.write_text(done.stdout)
    return out


def sops_decrypt_json(path: Path, key: AgeKey) -> str:
    """What the real sops decrypts `path` to, as JSON text."""
    kind = "json" if path.suffix == ".json" else "yaml"
    argv = [tool("sops"), "decrypt", "--input-type", kind, "--output-type", "json", str(path)]
    return run(argv, env=key.env(), timeout=60, check=True).stdout
