"""GitOps from the same stack: Argo CD / Flux / plain-manifest renderings, drift, status, doctor.

Reads a Stack through the deploy service's pipeline context; talks to the cluster only through
the engines (and the small list/patch helpers in `live.py`). The CLI modules call in here.
"""
