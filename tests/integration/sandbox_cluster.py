"""Helpers for tests that talk to the sandbox: the tool check and the `Cluster` handle.

Imported by conftest.py (fixtures) and by test modules (type hints, `require_tools`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from unideploy.engines import process
from unideploy.sandbox import SandboxStatus, missing_tools

NEEDED_TOOLS = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
    "kubectl",
)


def require_tools(names: tuple[str, ...] = NEEDED_TOOLS) -> None:
    """Skip (outside CI) or fail (CI=true) when a sandbox tool (of `names`) is not installed."""
    missing = missing_tools(names)
    if not missing:
        return
    reason = (
        f"sandbox tools not installed: {', '.join(missing)} (run scripts/setup/install-tools.sh)"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Cluster:
    """A running sandbox and the ways tests talk to it."""

    status: SandboxStatus
    kubeconfig: Path
    kubectl_path: Path

    def kubectl(
        self, *args: str, input_text: str | None = None, check: bool = True, timeout: float = 90
    ) -> process.Completed:
        """Run kubectl against the sandbox; with `check`, fail the test on a non-zero exit."""
        argv = [str(self.kubectl_path), f"--kubeconfig={self.kubeconfig}", *args]
        done = process.run(argv, input_text=input_text, timeout=timeout)
        if check and done.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
        return done

    def get_json(self, *args: str, namespace: str | None = None) -> dict[str, Any]:
        """Return `kubectl get ... -o json` as a dict."""
        ns = [f"--namespace={namespace}"] if namespace else []
        result: dict[str, Any] = json.loads(self.kubectl("get", *args, *ns, "-o", "json").stdout)
        return result

    def api_client(self) -> Any:
        """Return a `kubernetes` package ApiClient configured from the sandbox kubeconfig."""
        from kubernetes import config

        return config.new_client_from_config(config_file=str(self.kubeconfig))
