"""The field manager Helm 4's SDK applies objects as, in this process.

Helm 4 names its server-side apply manager after the program that runs it (the base name of
`argv[0]`): in-process through helm-python-sdk that is the Python interpreter's name ("python",
"python3.11"), not "helm". A dry run that must meet the same conflicts as the upgrade applies as
this manager.
"""

from __future__ import annotations

import os
import sys


def helm_field_manager() -> str:
    """The manager name Helm's apply uses in this process (Go's `filepath.Base(os.Args[0])`)."""
    argv = getattr(sys, "orig_argv", None) or [sys.executable or "python"]
    return os.path.basename(argv[0]) or "python"
