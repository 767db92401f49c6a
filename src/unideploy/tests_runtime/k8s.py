"""Kubernetes readiness tests, read live through the API (read-only).

Nodes Ready, workloads available, pods ready, Service endpoints, PVCs Bound, Certificates Ready;
workload/PVC/Certificate rules are the deploy's own (readiness.assess). `health` reuses them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from unideploy.config.tests_cases import K8sTest
from unideploy.engines.kube.readiness import Target, assess
from unideploy.errors import EngineError
from unideploy.tests_runtime.base import TestEnv, Verdict

#: (apiVersion, kind, resource) of what the checks list.
NODES = ("v1", "Node", "nodes")
PODS = ("v1", "Pod", "pods")
SERVICES = ("v1", "Service", "services")
SLICES = ("discovery.k8s.io/v1", "EndpointSlice", "endpointslices")
PVCS = ("v1", "PersistentVolumeClaim", "persistentvolumeclaims")
CERTIFICATES = ("cert-manager.io/v1", "Certificate", "certificates")
WORKLOADS = (
    ("apps/v1", "Deployment", "deployments"),
    ("apps/v1", "StatefulSet", "statefulsets"),
    ("apps/v1", "DaemonSet", "daemonsets"),
)

Item = tuple[str, bool, str]  # (object, ready, why)


class MissingApi(Exception):
    """The cluster does not serve this resource (e.g. cert-manager is not installed)."""


def list_objects(
    client: Any,
    kind: tuple[str, str, str],
    namespace: str | None = None,
    selector: str | None = None,
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """Every object of one resource (in `namespace`, or all); OSError when the API fails."""
    api_version, kind_name, resource = kind
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    scope = f"/namespaces/{namespace}" if namespace else ""
    method, url, headers, body, post = client.param_serialize(
        method="GET",
        resource_path=f"{base}{scope}/{resource}",
        query_params=[("labelSelector", selector)] if selector else None,
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    try:
        reply = client.call_api(method, url, headers, body, post, _request_timeout=timeout)
        raw = reply.read()
    except Exception as exc:  # urllib3 / client errors: the API could not be read
        raise OSError(f"listing {resource} failed: {type(exc).__name__}: {exc}") from exc
    if reply.status == 404:
        raise MissingApi(f"the cluster does not serve {resource}.{api_version}")
    if reply.status in (401, 403):  # the same answer on every retry: fail at once, say the fix
        where = f" in {namespace}" if namespace else " (cluster-wide)"
        raise EngineError(
            f"listing {resource}{where} failed: HTTP {reply.status} {reply.reason}; the "
            "credentials may not read it (`unideploy rbac -e ENV` derives roles that do)",
            retryable=False,
        )
    if reply.status >= 400:
        raise OSError(f"listing {resource} failed: HTTP {reply.status} {reply.reason}")
    items: list[dict[str, Any]] = json.loads(raw).get("items") or []
    for item in items:
        item.setdefault("apiVersion", api_version)
        item.setdefault("kind", kind_name)
    return items


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _condition(obj: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return dict(cond)
    return {}


def node_items(nodes: Sequence[Mapping[str, Any]]) -> list[Item]:
    """Each node, Ready or not (with the kubelet's reason)."""
    found = []
    for node in nodes:
        ready = _condition(node, "Ready")
        ok = ready.get("status") == "True"
        why = "Ready" if ok else str(ready.get("message") or ready.get("reason") or "not Ready")
        found.append((f"node/{_name(node)}", ok, why))
    return found


def pod_items(pods: Sequence[Mapping[str, Any]]) -> list[Item]:
    """Each pod: Running with Ready=True, or Succeeded (a finished Job's pod)."""
    found = []
    for pod in pods:
        phase = str((pod.get("status") or {}).get("phase") or "Pending")
        ready = _condition(pod, "Ready").get("status") == "True"
        ok = phase == "Succeeded" or (phase == "Running" and ready)
        why = phase if ok or phase != "Running" else "Running but not Ready"
        found.append((f"pod/{_name(pod)}", ok, why))
    return found


def assessed_items(objects: Sequence[Mapping[str, Any]]) -> list[Item]:
    """Workloads, PVCs and Certificates judged by the deploy's own readiness rules."""
    found = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        target = Target(str(obj["apiVersion"]), str(obj["kind"]), meta.get("namespace"), _name(obj))
        status = assess(target, obj)
        message = status.message.split(": ", 1)[-1]
        found.append((f"{str(obj['kind']).lower()}/{target.name}", status.ready, message))
    return found


def endpoint_items(
    services: Sequence[Mapping[str, Any]], slices: Sequence[Mapping[str, Any]]
) -> list[Item]:
    """Each Service with a selector: how many ready endpoints its EndpointSlices hold."""
    ready_by_service: dict[str, int] = {}
    for piece in slices:
        owner = ((piece.get("metadata") or {}).get("labels") or {}).get(
            "kubernetes.io/service-name"
        )
        count = sum(
            1
            for endpoint in piece.get("endpoints") or []
            if (endpoint.get("conditions") or {}).get("ready") is not False
        )
        if owner:
            ready_by_service[owner] = ready_by_service.get(owner, 0) + count
    found = []
    for service in services:
        spec = service.get("spec") or {}
        if not spec.get("selector") or spec.get("type") == "ExternalName":
            continue
        count = ready_by_service.get(_name(service), 0)
        found.append((f"service/{_name(service)}", count > 0, f"{count} ready endpoint(s)"))
    return found


def _items(case: K8sTest, client: Any) -> list[Item]:
    ns, sel = case.namespace, case.selector
    if case.check == "nodes-ready":
        return node_items(list_objects(client, NODES, None, sel))
    if case.check == "pods-ready":
        return pod_items(list_objects(client, PODS, ns, sel))
    if case.check == "workloads-available":
        objects = [o for kind in WORKLOADS for o in list_objects(client, kind, ns, sel)]
        return assessed_items(objects)
    if case.check == "endpoints-ready":
        services = list_objects(client, SERVICES, ns, sel)
        return endpoint_items(services, list_objects(client, SLICES, ns))
    if case.check == "pvcs-bound":
        return assessed_items(list_objects(client, PVCS, ns, sel))
    return assessed_items(list_objects(client, CERTIFICATES, ns, sel))


def k8s_test(case: K8sTest, env: TestEnv) -> Verdict:
    """Run one attempt of a k8s readiness test."""
    client = env.client()
    try:
        items = _items(case, client)
    except MissingApi as exc:
        return Verdict(case.min_count == 0, str(exc))
    if case.names:
        present = {item[0].split("/", 1)[1] for item in items}
        items = [item for item in items if item[0].split("/", 1)[1] in case.names]
        items += [(name, False, "not found") for name in case.names if name not in present]
    return summarize(case.check, case.namespace, items, case.min_count)


def summarize(check: str, namespace: str | None, items: list[Item], min_count: int) -> Verdict:
    """One verdict from per-object items: all ready and at least `min_count` of them."""
    where = f" in {namespace}" if namespace else ""
    details = {
        "check": check,
        "namespace": namespace,
        "objects": [{"object": o, "ready": ok, "message": why} for o, ok, why in items],
    }
    not_ready = [f"{o}: {why}" for o, ok, why in items if not ok]
    if not_ready:
        shown = "; ".join(not_ready[:5]) + (
            f" (+{len(not_ready) - 5} more)" if len(not_ready) > 5 else ""
        )
        return Verdict(False, f"{len(not_ready)}/{len(items)} not ready{where}: {shown}", details)
    if len(items) < min_count:
        return Verdict(
            False, f"found {len(items)} object(s){where}, expected at least {min_count}", details
        )
    return Verdict(True, f"{len(items)} object(s) ready{where}", details)
