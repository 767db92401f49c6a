"""Helm storage for cluster tests: read a stored release, fake one stuck in pending-upgrade."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from tests.integration.sandbox_cluster import Cluster


def stored_release(sandbox: Cluster, namespace: str, secret: str) -> dict[str, Any]:
    stored = sandbox.get_json("secret", secret, namespace=namespace)
    blob = base64.b64decode(base64.b64decode(stored["data"]["release"]))
    release: dict[str, Any] = json.loads(gzip.decompress(blob))
    return release


def store_pending_upgrade(sandbox: Cluster, namespace: str, name: str) -> None:
    """What a deploy killed mid-upgrade leaves behind: revision 2 stuck in pending-upgrade."""
    release = stored_release(sandbox, namespace, f"sh.helm.release.v1.{name}.v1")
    release["version"] = 2
    release["info"]["status"] = "pending-upgrade"
    release["info"]["description"] = "Preparing upgrade"
    payload = base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v2",
            "namespace": namespace,
            "labels": {"name": name, "owner": "helm", "status": "pending-upgrade", "version": "2"},
        },
        "stringData": {"release": payload},
    }
    sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(secret))
