"""engines.kube.fieldsets: an apply that cannot conflict is told from managedFields alone."""

from __future__ import annotations

from typing import Any

import pytest

from unideploy.engines.kube.fieldsets import applied_paths, may_conflict, owned_paths

MANAGER = "unideploy"

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "apps",
        "labels": {"app.kubernetes.io/name": "web"},
        "annotations": {"meta.helm.sh/release-name": "web"},
    },
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}},
    },
}

OURS: dict[str, Any] = {
    "manager": MANAGER,
    "operation": "Apply",
    "fieldsV1": {
        "f:metadata": {
            "f:labels": {"f:app.kubernetes.io/name": {}},
            "f:annotations": {"f:meta.helm.sh/release-name": {}},
        },
        "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {"f:spec": {"f:containers": {'k:{"name":"web"}': {".": {}}}}},
        },
    },
}
# What kube-controller-manager records on every Deployment it rolls out.
CONTROLLER_STATUS: dict[str, Any] = {
    "manager": "kube-controller-manager",
    "operation": "Update",
    "subresource": "status",
    "fieldsV1": {
        "f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}},
        "f:status": {
            "f:conditions": {".": {}, 'k:{"type":"Available"}': {".": {}, "f:status": {}}},
            "f:replicas": {},
        },
    },
}
KUBECTL_SCALE: dict[str, Any] = {
    "manager": "kubectl",
    "operation": "Update",
    "subresource": "scale",
    "fieldsV1": {"f:spec": {"f:replicas": {}}},
}
SIDECAR_INJECTOR: dict[str, Any] = {
    "manager": "injector",
    "operation": "Update",
    "fieldsV1": {
        "f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"proxy"}': {}}}}}
    },
}
ANNOTATIONS_MAP: dict[str, Any] = {
    "manager": "kubectl-annotate",
    "operation": "Update",
    "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:note": {}}}},
}
OTHER_LABEL: dict[str, Any] = {
    "manager": "labeller",
    "operation": "Update",
    "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}}},
}
OURS_BY_UPDATE: dict[str, Any] = {**OURS, "operation": "Update"}


def _live(*entries: dict[str, Any]) -> dict[str, Any]:
    return {**DEPLOYMENT, "metadata": {**DEPLOYMENT["metadata"], "managedFields": list(entries)}}


@pytest.mark.parametrize(
    ("entries", "possible"),
    [
        # PASS: nothing another manager owns is applied.
        ((OURS,), False),
        ((OURS, CONTROLLER_STATUS), False),
        ((OURS, CONTROLLER_STATUS, OTHER_LABEL), False),
        # FAIL (a dry run decides): another manager owns a field, a list or a map we set.
        ((OURS, KUBECTL_SCALE), True),
        ((OURS, SIDECAR_INJECTOR), True),
        ((OURS, ANNOTATIONS_MAP), True),
        ((OURS_BY_UPDATE,), True),
        ((), True),
    ],
    ids=[
        "only-ours",
        "controller-status",
        "foreign-label-not-ours",
        "kubectl-scale-replicas",
        "foreign-container-in-our-list",
        "foreign-owns-the-annotations-map",
        "our-name-by-update-is-another-owner",
        "no-managed-fields",
    ],
)
def test_may_conflict(entries: tuple[dict[str, Any], ...], possible: bool) -> None:
    assert may_conflict(DEPLOYMENT, _live(*entries), MANAGER) is possible


def test_applied_paths_cut_at_lists_and_leave_out_identity() -> None:
    paths = applied_paths(DEPLOYMENT)
    assert ("spec", "template", "spec", "containers") in paths
    assert ("metadata", "labels", "app.kubernetes.io/name") in paths
    assert not any(path[:2] == ("metadata", "name") for path in paths)
    assert ("apiVersion",) not in paths and ("kind",) not in paths


def test_owned_paths_read_dot_and_list_items_as_their_field() -> None:
    paths = owned_paths(CONTROLLER_STATUS["fieldsV1"])
    assert paths == {
        ("metadata", "annotations", "deployment.kubernetes.io/revision"),
        ("status", "conditions"),
        ("status", "replicas"),
    }
