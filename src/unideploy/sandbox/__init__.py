"""The local control plane (etcd, kube-apiserver, controllers, scheduler, kwok) users and tests run.

Public API: `Sandbox(state_dir).up() / .down() / .status()`, `default_state_dir()`, and
`find_tool(name)` for the binaries scripts/setup/install-tools.sh builds. The names load on
first use: a deploy that only reads a sandbox's notes (sandbox.notes) imports none of the
control plane's machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unideploy.sandbox.core import Sandbox
    from unideploy.sandbox.kubeconfig import CONTEXT
    from unideploy.sandbox.kwokconfig import UNREADY_ANNOTATION
    from unideploy.sandbox.state import default_state_dir
    from unideploy.sandbox.status import ComponentStatus, SandboxStatus
    from unideploy.sandbox.tools import (
        ToolNotFoundError,
        find_tool,
        kubernetes_version,
        missing_tools,
    )

_HOMES = {
    "CONTEXT": "kubeconfig",
    "UNREADY_ANNOTATION": "kwokconfig",
    "ComponentStatus": "status",
    "Sandbox": "core",
    "SandboxStatus": "status",
    "ToolNotFoundError": "tools",
    "default_state_dir": "state",
    "find_tool": "tools",
    "kubernetes_version": "tools",
    "missing_tools": "tools",
}

__all__ = [
    "CONTEXT",
    "UNREADY_ANNOTATION",
    "ComponentStatus",
    "Sandbox",
    "SandboxStatus",
    "ToolNotFoundError",
    "default_state_dir",
    "find_tool",
    "kubernetes_version",
    "missing_tools",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
