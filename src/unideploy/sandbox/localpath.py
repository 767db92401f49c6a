"""Volumes for the sandbox, as k3s's local-path provisioner gives them: claims bind, pods start.

`ensure_storage_class` creates the `local-path` StorageClass (the default class, provisioner
rancher.io/local-path, WaitForFirstConsumer, reclaim Delete) as k3s ships it. `provision`, run by
sandbox-controllers once a second, creates a PersistentVolume for every Pending claim once the
scheduler has picked the claim's node (or at once for an Immediate class), and deletes Released
volumes it made. It stands in for every dynamic provisioner, not only local-path: a chart's own
class (Longhorn's `longhorn`, often made the default) has no driver that could run on a fake
node, so its claims would never bind otherwise. Static classes (`kubernetes.io/no-provisioner`)
and claims asking for no class (`""`) are left alone. The PersistentVolume controller of
kube-controller-manager then binds claim and volume as in any cluster. The volume is a hostPath
that nothing ever creates: no container runs on a fake node, so no byte is written.
"""

from __future__ import annotations

from typing import Any

from unideploy.sandbox.api import ApiClient

PROVISIONER = "rancher.io/local-path"
STATIC = "kubernetes.io/no-provisioner"
CLASS_NAME = "local-path"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
CLASSES = "/apis/storage.k8s.io/v1/storageclasses"
BASE_PATH = "/var/lib/unideploy-sandbox/local-path"


def storage_class() -> dict[str, Any]:
    """Return the `local-path` StorageClass k3s installs, marked as the default class."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": CLASS_NAME,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    }


def ensure_storage_class(api: ApiClient) -> bool:
    """Create the class unless it exists; True when it is there afterwards."""
    return api.post(CLASSES, storage_class()).status in (201, 409)


def volume_for(claim: dict[str, Any], node: str) -> dict[str, Any]:
    """Return the PersistentVolume pre-bound to `claim`, pinned to `node`."""
    meta = claim.get("metadata") or {}
    spec = claim.get("spec") or {}
    name = f"pvc-{meta.get('uid')}"
    size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {PROVISIONED_BY: PROVISIONER}},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": spec.get("storageClassName"),
            "volumeMode": spec.get("volumeMode") or "Filesystem",
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "namespace": meta.get("namespace"),
                "name": meta.get("name"),
                "uid": meta.get("uid"),
            },
            "hostPath": {
                "path": f"{BASE_PATH}/{name}_{meta.get('namespace')}_{meta.get('name')}",
                "type": "DirectoryOrCreate",
            },
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": "kubernetes.io/hostname",
                                    "operator": "In",
                                    "values": [node],
                                }
                            ]
                        }
                    ]
                }
            },
        },
    }


def provision(api: ApiClient, first_node: str) -> list[str]:
    """Create volumes for waiting claims, delete Released ones; return what was done."""
    ours = {
        (sc.get("metadata") or {}).get("name"): sc
        for sc in api.items(CLASSES)
        if sc.get("provisioner") not in (None, STATIC)
    }
    done: list[str] = []
    if not ours:
        return done
    volumes = api.items("/api/v1/persistentvolumes")
    existing = {(v.get("metadata") or {}).get("name") for v in volumes}
    for claim in api.items("/api/v1/persistentvolumeclaims"):
        spec, meta = claim.get("spec") or {}, claim.get("metadata") or {}
        cls = ours.get(spec.get("storageClassName"))
        if cls is None or (claim.get("status") or {}).get("phase") != "Pending":
            continue
        if spec.get("volumeName") or f"pvc-{meta.get('uid')}" in existing:
            continue
        node = (meta.get("annotations") or {}).get(SELECTED_NODE)
        if node is None and cls.get("volumeBindingMode") == "WaitForFirstConsumer":
            continue  # the scheduler names the node when a pod needs the claim
        volume = volume_for(claim, node or first_node)
        if api.post("/api/v1/persistentvolumes", volume).status == 201:
            done.append(
                f"provisioned {volume['metadata']['name']} for {meta.get('namespace')}/"
                f"{meta.get('name')} on {node or first_node}"
            )
    for volume in volumes:
        meta = volume.get("metadata") or {}
        released = (volume.get("status") or {}).get("phase") == "Released"
        mine = (meta.get("annotations") or {}).get(PROVISIONED_BY) == PROVISIONER
        reclaim = (volume.get("spec") or {}).get("persistentVolumeReclaimPolicy")
        if not (released and mine and reclaim == "Delete"):
            continue
        gone = api.request("DELETE", f"/api/v1/persistentvolumes/{meta.get('name')}")
        if gone.status in (200, 202, 404):
            done.append(f"deleted released {meta.get('name')}")
    return done
