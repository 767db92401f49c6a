"""Mirror run records to the cluster: one ConfigMap per run in the lock namespace.

So that whoever deploys next, from whichever machine, sees what ran. Each ConfigMap carries the
label `unideploy.io/run`; only the newest `keep` runs per environment are kept.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from unideploy.errors import EngineError
from unideploy.execute.lease import ensure_namespace, kcall
from unideploy.execute.lock import LOCK_NAMESPACE
from unideploy.execute.result import RunResult

RUN_LABEL = "unideploy.io/run"
ENV_LABEL = "unideploy.io/environment"
MAX_BYTES = 900_000  # a ConfigMap holds at most 1 MiB


def configmap_name(run_id: str) -> str:
    """Return the ConfigMap name of a run."""
    return f"unideploy-run-{run_id.lower()}"


def _record(result: RunResult) -> str:
    text = json.dumps(result.to_dict(), default=str, sort_keys=True)
    if len(text.encode()) <= MAX_BYTES:
        return text
    slim = result.to_dict()
    for phase in slim["phases"]:
        for step in phase["steps"]:
            step["details"] = {"omitted": "too large for a ConfigMap; see the local history"}
    return json.dumps(slim, default=str, sort_keys=True)


def mirror_run(
    api: client.ApiClient, result: RunResult, *, namespace: str = LOCK_NAMESPACE, keep: int = 20
) -> list[str]:
    """Write `result` as a ConfigMap and delete the environment's older ones beyond `keep`.

    Returns the names of the ConfigMaps deleted.
    """
    core: Any = client.CoreV1Api(api)  # Any: plain dicts in, raw JSON out
    labels = {
        RUN_LABEL: result.run_id,
        ENV_LABEL: result.environment,
        "unideploy.io/status": result.status.value,
        "app.kubernetes.io/managed-by": "unideploy",
    }
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": configmap_name(result.run_id),
            "namespace": namespace,
            "labels": labels,
        },
        "data": {"run.json": _record(result)},
    }
    name = configmap_name(result.run_id)
    try:
        try:
            kcall(core.create_namespaced_config_map, namespace, body)
        except ApiException as exc:
            if exc.status == 404:
                ensure_namespace(api, namespace)
                kcall(core.create_namespaced_config_map, namespace, body)
            elif exc.status == 409:
                kcall(core.replace_namespaced_config_map, name, namespace, body)
            else:
                raise
        return _prune(core, namespace, result.environment, keep)
    except ApiException as exc:
        raise EngineError(
            f"cannot mirror run {result.run_id} to {namespace}: {exc.status} {exc.reason}",
            hint="the run is recorded locally; check RBAC for configmaps in the lock namespace",
            retryable=exc.status in (0, 429, 500, 502, 503, 504),
        ) from exc


def _list(core: Any, namespace: str, environment: str | None) -> list[dict[str, Any]]:
    selector = RUN_LABEL + (f",{ENV_LABEL}={environment}" if environment else "")
    resp = kcall(core.list_namespaced_config_map, namespace, label_selector=selector)
    items: list[dict[str, Any]] = json.loads(resp.data).get("items", [])
    return sorted(items, key=lambda item: item["metadata"]["labels"][RUN_LABEL])


def _prune(core: Any, namespace: str, environment: str, keep: int) -> list[str]:
    items = _list(core, namespace, environment)
    doomed = [item["metadata"]["name"] for item in items[: max(0, len(items) - keep)]]
    for name in doomed:
        try:
            kcall(core.delete_namespaced_config_map, name, namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
    return doomed


def cluster_runs(
    api: client.ApiClient, *, namespace: str = LOCK_NAMESPACE, environment: str | None = None
) -> list[RunResult]:
    """Return the runs mirrored in the cluster, newest first."""
    core: Any = client.CoreV1Api(api)
    try:
        items = _list(core, namespace, environment)
    except ApiException as exc:
        if exc.status == 404:
            return []
        raise EngineError(f"cannot list runs in {namespace}: {exc.status} {exc.reason}") from exc
    return [RunResult.from_dict(json.loads(i["data"]["run.json"])) for i in reversed(items)]
