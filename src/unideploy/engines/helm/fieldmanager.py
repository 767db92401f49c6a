"""How Helm 4's SDK applies an object, in this process: its field manager and what it adds.

Helm 4 names its server-side apply manager after the program that runs it (the base name of
`argv[0]`): in-process through helm-python-sdk that is the Python interpreter's name ("python",
"python3.11"), not "helm". Before applying, it labels every object `app.kubernetes.io/managed-by:
Helm` and annotates it with the release's name and namespace. A dry run that must see what the
upgrade would store, or meet the same conflicts, applies as this manager with those additions.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

MANAGED_BY = "app.kubernetes.io/managed-by"
RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"


def helm_field_manager() -> str:
    """The manager name Helm's apply uses in this process (Go's `filepath.Base(os.Args[0])`)."""
    argv = getattr(sys, "orig_argv", None) or [sys.executable or "python"]
    return os.path.basename(argv[0]) or "python"


def as_helm_applies(obj: Mapping[str, Any], release: str, namespace: str) -> dict[str, Any]:
    """`obj` with the label and annotations Helm sets on every object it installs."""
    meta = dict(obj.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), MANAGED_BY: "Helm"}
    meta["annotations"] = {
        **(meta.get("annotations") or {}),
        RELEASE_NAME: release,
        RELEASE_NAMESPACE: namespace,
    }
    return {**obj, "metadata": meta}
