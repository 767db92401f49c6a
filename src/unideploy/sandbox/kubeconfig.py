"""Write the kubeconfig files of the sandbox: one for users and tests, one per component.

Certificates are embedded so a kubeconfig stays valid when copied. The files hold private keys:
they are written mode 0600 and their contents are never printed, only their paths.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

CONTEXT = "unideploy-sandbox"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def build(
    server: str, ca_cert: Path, client_cert: Path, client_key: Path, user: str
) -> dict[str, Any]:
    """Return a kubeconfig with one cluster, one user and the `unideploy-sandbox` context."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": CONTEXT,
                "cluster": {"server": server, "certificate-authority-data": _b64(ca_cert)},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": _b64(client_cert),
                    "client-key-data": _b64(client_key),
                },
            }
        ],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": user}}],
        "current-context": CONTEXT,
        "preferences": {},
    }


def write(path: Path, document: dict[str, Any]) -> Path:
    """Write `document` to `path` as YAML, readable only by the owner; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(document, out)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(out.getvalue())
    tmp.replace(path)
    return path
