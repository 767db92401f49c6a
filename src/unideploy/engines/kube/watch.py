"""Watch one object: each change the API server reports after a resource version, as it comes.

The readiness check uses this for its short waits: a rollout that finishes in a tenth of a second
is seen at the controller's status write, not at the next poll. A watch is a GET with
`watch=true` whose body is a stream of JSON lines (`{"type": "MODIFIED", "object": {...}}`); the
stream ends when the server's `timeoutSeconds` is up, when the read timeout passes without an
event, or when the caller stops. Any trouble (no watch permission, an expired resource version,
a dropped connection) simply ends the stream: the caller falls back to polling.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from unideploy.engines.kube.rest import ApiClient, client_errors

CONNECT_TIMEOUT_S = 5.0
_CHANGES = frozenset({"ADDED", "MODIFIED"})


def watch_object(
    api: ApiClient, collection: str, name: str, resource_version: str, timeout_s: float
) -> Iterator[dict[str, Any] | None]:
    """Yield the object after each change past `resource_version` (None once it is deleted)."""
    query = [
        ("watch", "true"),
        ("fieldSelector", f"metadata.name={name}"),
        ("resourceVersion", resource_version),
        ("timeoutSeconds", str(max(1, math.ceil(timeout_s)))),
    ]
    _method, url, headers, _body, _post = api.param_serialize(
        method="GET",
        resource_path=collection,
        query_params=query,
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    trouble: tuple[type[BaseException], ...] = (*client_errors(), ValueError)
    try:
        response = _open(api, url, headers, (CONNECT_TIMEOUT_S, max(timeout_s, 0.01)))
    except trouble:
        return
    try:
        if response.status != 200:
            return
        for line in response:
            event = json.loads(line) if line.strip() else {}
            kind = event.get("type")
            if kind in _CHANGES and isinstance(event.get("object"), dict):
                yield event["object"]
            elif kind == "DELETED":
                yield None
            elif kind == "ERROR":  # e.g. 410 Gone: the version is too old to watch from
                return
    except trouble:
        return
    finally:
        response.close()
        release = getattr(response, "release_conn", None)
        if release is not None:
            release()


def _open(api: ApiClient, url: str, headers: dict[str, str], timeout: tuple[float, float]) -> Any:
    """The response with its body unread: our connection's stream, or the client's response."""
    opener = getattr(api, "open_stream", None)
    if opener is not None:
        return opener(url, headers, timeout)
    answer = api.call_api("GET", url, headers, None, None, _request_timeout=timeout)
    return answer.response  # the kubernetes client leaves the body unread until asked
