"""Unit tests: the permissions the integration tests use, derived from the test cases."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from unideploy.config.tests_cases import TestCase
from unideploy.execute.phases.rbac_tests import api_path_need, needs_of_tests

CASES = TypeAdapter(TestCase)


def case(**fields: Any) -> TestCase:
    return CASES.validate_python(
        {"name": fields.pop("name", "t"), "category": "application", **fields}
    )


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/api/v1/namespaces/apps/configmaps/web", "GET", ("get", "configmaps", "", "apps")),
        ("/api/v1/namespaces/apps/pods", "GET", ("list", "pods", "", "apps")),
        ("/apis/apps/v1/namespaces/apps/deployments/web/scale", "PUT",
         ("update", "deployments/scale", "apps", "apps")),
        ("/api/v1/nodes?limit=5", "GET", ("list", "nodes", "", None)),
        ("/api/v1/namespaces/apps", "GET", ("get", "namespaces", "", None)),
        ("/api/v1/namespaces/apps/secrets", "DELETE",
         ("deletecollection", "secrets", "", "apps")),
        ("/readyz", "GET", None),
        ("/version", "GET", None),
        ("/api/v1/namespaces/${env.name}/pods", "GET", None),
    ],
)  # fmt: skip
def test_an_api_path_is_authorized_as_its_resource_and_verb(
    path: str, method: str, expected: tuple[str, str, str, str | None] | None
) -> None:
    assert api_path_need(path, method) == expected


def test_each_kind_of_case_asks_for_what_it_reads() -> None:
    cases = [
        case(name="nodes", kind="k8s", check="nodes-ready"),
        case(name="apps", kind="k8s", check="workloads-available", namespace="apps"),
        case(name="eps", kind="k8s", check="endpoints-ready", namespace="${values.ns}"),
        case(name="web", kind="http", service={"namespace": "apps", "name": "web", "port": 80}),
        case(name="post", kind="perf", method="POST",
             service={"namespace": "apps", "name": "web", "port": 80}),
        case(name="cfg", kind="http", apiPath="/api/v1/namespaces/apps/configmaps/web"),
        case(name="ready", kind="http", apiPath="/readyz"),
        case(name="dns", kind="dns", host="example.test"),
        case(name="audit", kind="security", scope="cluster"),
        case(name="render", kind="security", scope="releases"),
    ]  # fmt: skip
    found = [(n.verb, n.resource, n.group, n.namespace, n.test) for n in needs_of_tests(cases)]
    assert found[:8] == [
        ("list", "nodes", "", None, "nodes"),
        ("list", "deployments", "apps", "apps", "apps"),
        ("list", "statefulsets", "apps", "apps", "apps"),
        ("list", "daemonsets", "apps", "apps", "apps"),
        # A namespace only known when the test runs: asked for cluster-wide.
        ("list", "services", "", None, "eps"),
        ("list", "endpointslices", "discovery.k8s.io", None, "eps"),
        ("get", "services/proxy", "", "apps", "web"),
        ("create", "services/proxy", "", "apps", "post"),
    ]
    assert found[8] == ("get", "configmaps", "", "apps", "cfg")
    audit = [need for need in found[9:]]
    assert audit and all(need[4] == "audit" and need[3] is None for need in audit)
    assert not any(need[4] in ("ready", "dns", "render") for need in found)
