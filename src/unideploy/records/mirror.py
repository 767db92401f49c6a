"""Mirror run records to the cluster: one ConfigMap per run in the lock namespace.

So that whoever deploys next, from whichever machine, sees what ran. Each ConfigMap carries the
label `unideploy.io/run`; only the newest `keep` runs per environment are kept.
"""

from __future__ import annotations

import json
from typing import Any

from unideploy.engines.kube.access import request_json
from unideploy.engines.kube.objects import METADATA_ONLY
from unideploy.engines.kube.rest import call
from unideploy.errors import EngineError
from unideploy.execute.lease import ensure_namespace
from unideploy.execute.lockbase import LOCK_NAMESPACE
from unideploy.execute.result import RunResult
from unideploy.redact.values import redacted

RUN_LABEL = "unideploy.io/run"
ENV_LABEL = "unideploy.io/environment"
MAX_BYTES = 900_000  # a ConfigMap holds at most 1 MiB


def configmap_name(run_id: str) -> str:
    """Return the ConfigMap name of a run."""
    return f"unideploy-run-{run_id.lower()}"


def _record(result: RunResult) -> str:
    record = redacted(result.to_dict())
    text = json.dumps(record, default=str, sort_keys=True)
    if len(text.encode()) <= MAX_BYTES:
        return text
    for phase in record["phases"]:
        for step in phase["steps"]:
            step["details"] = {"omitted": "too large for a ConfigMap; see the local history"}
    return json.dumps(record, default=str, sort_keys=True)


def mirror_run(
    api: Any, result: RunResult, *, namespace: str = LOCK_NAMESPACE, keep: int = 20
) -> list[str]:
    """Write `result` as a ConfigMap and delete the environment's older ones beyond `keep`.

    Returns the names of the ConfigMaps deleted. Raw JSON requests: the client's generated core
    API module costs a second to import, more than the whole record takes to write.
    """
    labels = {
        RUN_LABEL: result.run_id,
        ENV_LABEL: result.environment,
        "unideploy.io/status": result.status.value,
        "app.kubernetes.io/managed-by": "unideploy",
    }
    name = configmap_name(result.run_id)
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "data": {"run.json": _record(result)},
    }
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    action = f"cannot mirror run {result.run_id} to {namespace}"
    status, answer = request_json(api, "POST", base, action, body)
    if status == 404:
        ensure_namespace(api, namespace)
        status, answer = request_json(api, "POST", base, action, body)
    elif status == 409:
        status, answer = request_json(api, "PUT", f"{base}/{name}", action, body)
    if status >= 400:
        raise EngineError(
            f"{action}: HTTP {status} {answer.get('message', '')}",
            hint="the run is recorded locally; check RBAC for configmaps in the lock namespace",
            retryable=status in (429, 500, 502, 503, 504),
        )
    return _prune(api, namespace, result.environment, keep)


def _list(
    api: Any, namespace: str, environment: str | None, *, metadata_only: bool = False
) -> list[dict[str, Any]]:
    """The environment's run ConfigMaps, oldest first (only their metadata when asked)."""
    selector = RUN_LABEL + (f",{ENV_LABEL}={environment}" if environment else "")
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    action = f"cannot list runs in {namespace}"
    query = [("labelSelector", selector)]
    listed: dict[str, Any]
    if metadata_only:
        status, decoded, message = call(api, "GET", path, query=query, accept=METADATA_ONLY)
        listed = decoded if isinstance(decoded, dict) else {"message": message}
    else:
        status, listed = request_json(api, "GET", path, action, query=query)
    if status == 404:
        return []
    if status >= 400:
        raise EngineError(f"{action}: HTTP {status} {listed.get('message', '')}")
    items: list[dict[str, Any]] = listed.get("items", [])
    return sorted(items, key=lambda item: item["metadata"]["labels"][RUN_LABEL])


def _prune(api: Any, namespace: str, environment: str, keep: int) -> list[str]:
    # Names and labels are all pruning needs: the records themselves are up to 900 kB each.
    items = _list(api, namespace, environment, metadata_only=True)
    doomed = [item["metadata"]["name"] for item in items[: max(0, len(items) - keep)]]
    for name in doomed:
        path = f"/api/v1/namespaces/{namespace}/configmaps/{name}"
        status, answer = request_json(api, "DELETE", path, f"cannot prune run {name}")
        if status >= 400 and status != 404:
            raise EngineError(f"cannot prune run {name}: HTTP {status} {answer.get('message')}")
    return doomed


def cluster_runs(
    api: Any, *, namespace: str = LOCK_NAMESPACE, environment: str | None = None
) -> list[RunResult]:
    """Return the runs mirrored in the cluster, newest first."""
    items = _list(api, namespace, environment)
    return [RunResult.from_dict(json.loads(i["data"]["run.json"])) for i in reversed(items)]
