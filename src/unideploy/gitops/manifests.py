"""Rendered-manifests flavour: every release's objects, fully rendered, one file per object.

Pure: DesiredState in, `{path: [object]}` out, paths `manifests/<namespace>/<release>/<kind>-<name>
.yaml`. What a controller (or `kubectl apply -R`) needs with no Helm at all on the cluster side.
The chart's `crds/` (Helm installs them first) come first, under `<release>/00-crds/`, which sorts
before every object file.
"""

from __future__ import annotations

import re

from unideploy.gitops.files import Files
from unideploy.service.desired import DesiredState

_UNSAFE = re.compile(r"[^a-z0-9._-]+")
#: Sorts before any `<kind>-<name>.yaml`, so CRDs come first in listings and `kubectl apply -R`.
CRD_DIR = "00-crds"


def render_manifests(state: DesiredState) -> Files:
    """One file per rendered object, grouped by release."""
    files: Files = {}
    for item in state.releases:
        base = f"manifests/{item.release.namespace}/{item.release.name}"
        for crd in item.rendered.crds if item.rendered is not None else ():
            name = str((crd.get("metadata") or {}).get("name"))
            files[f"{base}/{CRD_DIR}/{_UNSAFE.sub('_', name.lower())}.yaml"] = [dict(crd)]
        for obj in item.objects():
            meta = obj.get("metadata") or {}
            stem = f"{obj.get('kind')}-{meta.get('name')}".lower()
            namespace = meta.get("namespace")
            if namespace and namespace != item.release.namespace:
                stem = f"{namespace}-{stem}"
            path = f"{base}/{_UNSAFE.sub('_', stem)}.yaml"
            if path in files:
                raise ValueError(f"two objects of release {item.key} map to {path}")
            files[path] = [obj]
    return files
