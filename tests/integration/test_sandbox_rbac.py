"""RBAC is enforced: a ServiceAccount is denied until a RoleBinding grants it."""

from __future__ import annotations

import time

import pytest
from tests.integration.sandbox_cluster import Cluster

ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-reads-pods}
subjects:
- kind: ServiceAccount
  name: reader
  namespace: NAMESPACE
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: pod-reader
"""


def can_i(sandbox: Cluster, namespace: str, verb: str, resource: str) -> str:
    done = sandbox.kubectl(
        "auth",
        "can-i",
        verb,
        resource,
        "-n",
        namespace,
        f"--as=system:serviceaccount:{namespace}:reader",
        check=False,
    )
    return done.stdout.strip()


@pytest.mark.cluster
def test_service_account_is_denied_then_allowed_after_a_role_binding(
    sandbox: Cluster, namespace: str
) -> None:
    sandbox.kubectl("create", "serviceaccount", "reader", "-n", namespace)
    assert can_i(sandbox, namespace, "list", "pods") == "no"

    sandbox.kubectl(
        "apply", "-n", namespace, "-f", "-", input_text=ROLE.replace("NAMESPACE", namespace)
    )
    deadline = time.monotonic() + 10  # the authorizer reads bindings from an informer cache
    answer = can_i(sandbox, namespace, "list", "pods")
    while answer != "yes" and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = can_i(sandbox, namespace, "list", "pods")
    assert answer == "yes"
    assert can_i(sandbox, namespace, "delete", "pods") == "no"  # only what the Role grants
    assert can_i(sandbox, namespace, "list", "secrets") == "no"
