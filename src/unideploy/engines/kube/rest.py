"""The one raw REST call to the Kubernetes API: method, path, query, body → status, JSON, message.

Every module that talks to the API server without the client's generated model classes (their
import alone costs a second) goes through here. Connection trouble is a retryable EngineError;
HTTP errors come back as values for the caller to judge.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from urllib3.exceptions import HTTPError

from unideploy.errors import EngineError

#: A KubeConnection (engines/kube/connection.py) or the kubernetes client's ApiClient.
ApiClient = Any


def client_errors() -> tuple[type[BaseException], ...]:
    """What a request raises when no answer came (the kubernetes client's own, when loaded)."""
    errors: tuple[type[BaseException], ...] = (HTTPError, OSError)
    if "kubernetes.client.exceptions" in sys.modules:
        errors += (sys.modules["kubernetes.client.exceptions"].ApiException,)
    return errors


DEFAULT_TIMEOUT_S = 30.0


def call(
    api: ApiClient,
    method: str,
    path: str,
    *,
    query: list[tuple[str, str]] | None = None,
    body: Any = None,
    content_type: str | None = "application/json",
    accept: str = "application/json",
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT_S,
) -> tuple[int, Any, str]:
    """(HTTP status, decoded JSON body or None, the server's message or the HTTP reason)."""
    headers = {"Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        method, url, all_headers, payload, post = api.param_serialize(
            method=method,
            resource_path=path,
            query_params=query or [],
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        response = api.call_api(method, url, all_headers, payload, post, _request_timeout=timeout)
        raw = response.read()
    except client_errors() as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EngineError(
            f"{method} {path} failed: {type(exc).__name__}: {detail}",
            hint="check that the API server is reachable; retrying may help",
            retryable=True,
        ) from exc
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = None
    message = decoded.get("message", "") if isinstance(decoded, dict) else ""
    return int(response.status), decoded, str(message or response.reason)
