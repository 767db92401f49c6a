"""The local control plane (etcd, kube-apiserver, controllers, scheduler, kwok) users and tests run.

Public API: `Sandbox(state_dir).up() / .down() / .status()`, `default_state_dir()`, and
`find_tool(name)` for the binaries scripts/setup/install-tools.sh builds.
"""

from __future__ import annotations

from unideploy.sandbox.core import Sandbox
from unideploy.sandbox.kubeconfig import CONTEXT
from unideploy.sandbox.kwokconfig import UNREADY_ANNOTATION
from unideploy.sandbox.state import default_state_dir
from unideploy.sandbox.status import ComponentStatus, SandboxStatus
from unideploy.sandbox.tools import ToolNotFoundError, find_tool, kubernetes_version, missing_tools

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
