"""The Helm SDK (helm-python-sdk), loaded so that SIGINT/SIGTERM stay with Python.

Every engine module imports `hp` from here, never `helm_python` directly: the first import loads
Helm's Go runtime, and only this one waits for it to start and then gives the signals back.
"""

from __future__ import annotations

from unideploy.engines.go_signals import keeping_signals

with keeping_signals():
    import helm_python as hp

    hp.helm_sdk_version()  # an exported call: returns once the Go runtime has started

__all__ = ["hp"]
