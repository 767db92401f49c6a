"""Name the admission webhook configuration behind a "failed calling webhook" error, with the fix.

The API server's message names only the webhook (`failed calling webhook "guard.example.io"`);
the configuration that holds it, and where it sends requests, are read from the cluster here so
the hint can say which object to fix or remove.
"""

from __future__ import annotations

import re
from typing import Any

from unideploy.engines.kube.objects import list_objects
from unideploy.errors import EngineError

_CALLING = re.compile(r'failed calling webhook \\?"([^"\\]+)\\?"')
GROUP = "admissionregistration.k8s.io/v1"
KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")


def failed_webhook(message: str) -> str | None:
    """The webhook name in an API server's "failed calling webhook" message, if any."""
    found = _CALLING.search(message)
    return found.group(1) if found else None


def webhook_hint(api: Any, message: str) -> str | None:
    """A hint naming the configuration of the unreachable webhook in `message` and the way out."""
    name = failed_webhook(message)
    if name is None:
        return None
    for kind in KINDS:
        try:
            configurations = list_objects(api, GROUP, kind, None)
        except EngineError:
            continue
        for configuration in configurations:
            for hook in configuration.get("webhooks") or ():
                if hook.get("name") == name:
                    return _hint(kind, str(configuration["metadata"]["name"]), hook)
    return (
        f'admission webhook "{name}" cannot be reached: start the service behind it, or remove '
        "the webhook configuration that declares it"
    )


def _hint(kind: str, configuration: str, hook: dict[str, Any]) -> str:
    client = hook.get("clientConfig") or {}
    service = client.get("service") or {}
    if service:
        target = f"Service {service.get('namespace')}/{service.get('name')}"
        fix = f"make {target} serve (ready endpoints)"
    else:
        target = str(client.get("url") or "its URL")
        fix = f"make {target} answer"
    policy = hook.get("failurePolicy", "Fail")
    return (
        f'{kind} "{configuration}" sends requests to webhook "{hook.get("name")}" at {target}, '
        f"which cannot be reached (failurePolicy {policy}): {fix}, or delete the configuration "
        f"(kubectl delete {kind.lower()} {configuration}) or set its failurePolicy to Ignore, "
        "then deploy again"
    )
