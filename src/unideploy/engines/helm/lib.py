"""The Helm SDK (helm-python-sdk), loaded so that SIGINT/SIGTERM stay with Python.

Every engine module imports `hp` from here, never `helm_python` directly: the first import loads
Helm's Go runtime, and only this one waits for it to start and then gives the signals back (and
sets HELM_PLUGINS first, see `postrender`).
"""

from __future__ import annotations

import os

from unideploy.engines.go_signals import keeping_signals
from unideploy.engines.helm.postrender import helm_plugins_path

# Go copies the environment when its runtime starts: Helm finds our post-renderer only if
# HELM_PLUGINS names its folder before the first import.
os.environ["HELM_PLUGINS"] = helm_plugins_path()

with keeping_signals():
    import helm_python as hp

    hp.helm_sdk_version()  # an exported call: returns once the Go runtime has started

__all__ = ["hp"]
