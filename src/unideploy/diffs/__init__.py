"""Diffs: normalise Kubernetes objects and compare desired with live. Pure: no I/O, no engines."""
