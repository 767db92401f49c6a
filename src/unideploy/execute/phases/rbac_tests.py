"""What the environment's integration tests read from the cluster, as (verb, resource) needs.

The tests phase talks to the API server for k8s readiness checks (LISTs of nodes, pods, workloads,
Services and their EndpointSlices, claims, certificates), for HTTP and perf tests sent to a Service
through the API server's proxy, and for live security tests (the audit's LISTs). A namespace
given as a `${…}` reference is only known when the test runs: such a need is asked cluster-wide.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from unideploy.config.tests_cases import HttpTest, K8sTest, PerfTest, SecurityTest, TestCase
from unideploy.execute.phases.rbac_kinds import AUDIT_LISTS

#: (resource, group) each k8s check lists.
K8S_CHECK_LISTS: dict[str, tuple[tuple[str, str], ...]] = {
    "nodes-ready": (("nodes", ""),),
    "pods-ready": (("pods", ""),),
    "workloads-available": (
        ("deployments", "apps"),
        ("statefulsets", "apps"),
        ("daemonsets", "apps"),
    ),
    "endpoints-ready": (("services", ""), ("endpointslices", "discovery.k8s.io")),
    "pvcs-bound": (("persistentvolumeclaims", ""),),
    "certificates-ready": (("certificates", "cert-manager.io"),),
}
#: The verb the API server's authorizer checks for a proxied request of each HTTP method.
PROXY_VERBS = {
    "GET": "get",
    "HEAD": "get",
    "OPTIONS": "get",
    "POST": "create",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}


class CaseNeed(NamedTuple):
    """One permission one test uses."""

    verb: str
    resource: str
    group: str
    namespace: str | None
    test: str
    why: str


def needs_of_tests(cases: Sequence[TestCase]) -> Iterator[CaseNeed]:
    """Every permission the cases use, in their order (duplicates left to the caller)."""
    for case in cases:
        if isinstance(case, K8sTest):
            where = None if case.check == "nodes-ready" else _known(case.namespace)
            for resource, group in K8S_CHECK_LISTS[case.check]:
                yield CaseNeed("list", resource, group, where, case.name, f"the {case.check} test")
        elif isinstance(case, HttpTest | PerfTest) and case.service is not None:
            verb = PROXY_VERBS.get(case.method.upper(), "get")
            where = _known(case.service.namespace)
            why = f"{case.kind} test through the API server's Service proxy"
            yield CaseNeed(verb, "services/proxy", "", where, case.name, why)
        elif isinstance(case, HttpTest | PerfTest) and case.api_path is not None:
            need = api_path_need(case.api_path, case.method)
            if need is not None:
                verb, resource, group, where = need
                why = f"{case.kind} test of an API path"
                yield CaseNeed(verb, resource, group, where, case.name, why)
        elif isinstance(case, SecurityTest) and case.scope == "cluster":
            for verb, resource, group in AUDIT_LISTS:
                yield CaseNeed(verb, resource, group, None, case.name, "the live security test")


def api_path_need(path: str, method: str) -> tuple[str, str, str, str | None] | None:
    """(verb, resource, group, namespace) a request to an API resource path is authorized as.

    None for non-resource paths (`/readyz`, `/version`: readable by every authenticated user
    under the default `system:public-info-viewer` role) and for paths with `${…}` references.
    """
    parts = [part for part in path.split("?", 1)[0].split("/") if part]
    if "${" in path or len(parts) < 3 or parts[0] not in ("api", "apis"):
        return None
    group, rest = ("", parts[2:]) if parts[0] == "api" else (parts[1], parts[3:])
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if not rest:
        return None
    resource = rest[0] if len(rest) < 3 else f"{rest[0]}/{rest[2]}"
    named = len(rest) >= 2
    verb = PROXY_VERBS.get(method.upper(), "get")
    if verb == "get" and not named:
        verb = "list"
    elif verb == "delete" and not named:
        verb = "deletecollection"
    return verb, resource, group, namespace


def _known(namespace: str | None) -> str | None:
    """The namespace, or None (cluster-wide) when it is a reference resolved at run time."""
    return None if namespace is None or "${" in namespace else namespace
