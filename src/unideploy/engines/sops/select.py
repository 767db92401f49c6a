"""Choose how to decrypt, by $UNIDEPLOY_SOPS.

`auto` (the default): the sops binary when present, else in process; `sops`: the binary, required;
`builtin`: in process (age only).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from unideploy.engines.sops.binary import BinaryDecryptor, find_sops
from unideploy.engines.sops.builtin import BuiltinDecryptor
from unideploy.engines.sops.contract import Decryptor, SopsError

MODE_ENV = "UNIDEPLOY_SOPS"
MODES = ("auto", "sops", "builtin")


def decryptor(env: Mapping[str, str] | None = None) -> Decryptor:
    """The decryptor $UNIDEPLOY_SOPS asks for."""
    environ = env if env is not None else os.environ
    mode = environ.get(MODE_ENV, "auto") or "auto"
    if mode not in MODES:
        raise SopsError(
            f"{MODE_ENV}={mode!r} is not one of {', '.join(MODES)}", path=f"${MODE_ENV}"
        )
    binary = find_sops(environ) if mode != "builtin" else None
    if binary:
        return BinaryDecryptor(binary)
    if mode == "sops":
        raise SopsError(
            "the sops binary was asked for but is not installed",
            path=f"${MODE_ENV}",
            hint="run scripts/setup/install-tools.sh, set UNIDEPLOY_SOPS_BIN, "
            "or unset UNIDEPLOY_SOPS",
        )
    return BuiltinDecryptor()
