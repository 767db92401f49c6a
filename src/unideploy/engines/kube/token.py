"""A kubeconfig for a ServiceAccount: a token from the TokenRequest API, the cluster's address.

`unideploy rbac --kubeconfig-out` uses it to hand the generated ServiceAccount to the deploy. The
token is written to the file only (mode 0600), never printed.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import yaml

from unideploy.engines.kube.access import request_json
from unideploy.engines.kube.rest import ApiClient
from unideploy.errors import EngineError

DEFAULT_TTL_S = 24 * 3600


def request_token(api: ApiClient, namespace: str, name: str, ttl_s: int = DEFAULT_TTL_S) -> str:
    """A bound token for ServiceAccount `namespace/name` (POST .../serviceaccounts/NAME/token)."""
    body = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"expirationSeconds": ttl_s},
    }
    path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
    action = f"cannot request a token for {namespace}/{name}"
    status, answer = request_json(api, "POST", path, action, body)
    if status >= 400:
        raise EngineError(
            f"{action}: HTTP {status} {answer.get('message', '')}",
            hint="apply the ServiceAccount first (`unideploy rbac -e ENV | kubectl apply -f -`); "
            "the caller needs create on serviceaccounts/token",
        )
    token = (answer.get("status") or {}).get("token")
    if not token:
        raise EngineError(f"{action}: the answer holds no token")
    return str(token)


def service_account_kubeconfig(
    api: ApiClient, namespace: str, name: str, token: str, context: str | None = None
) -> dict[str, Any]:
    """A kubeconfig reaching the same server with the same CA, as `namespace/name`.

    Its context is named `context` (the stack's, so only the kubeconfig path changes).
    """
    config = api.configuration
    cluster: dict[str, Any] = {"server": config.host}
    if config.ssl_ca_cert:
        # The client keeps inline CA data in a temporary file: embed it again.
        data = Path(config.ssl_ca_cert).read_bytes()
        cluster["certificate-authority-data"] = base64.b64encode(data).decode()
    if not config.verify_ssl:
        cluster["insecure-skip-tls-verify"] = True
    user = f"{namespace}-{name}"
    context = context or user
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "cluster", "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": "cluster", "user": user}}],
        "current-context": context,
    }


def write_private(path: Path, document: dict[str, Any]) -> None:
    """Write `document` as YAML readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(document, handle, sort_keys=False)
