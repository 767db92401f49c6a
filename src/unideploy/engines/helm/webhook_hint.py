"""A hint for an apply refused because an admission webhook could not be called.

The apiserver's message names the webhook ("failed calling webhook \"x\""); the hint says what
that means and the way out, in a cluster and in the sandbox (whose `--webhooks=fail` mode gives
exactly this error on purpose). Used by helm_errors for every Helm action.
"""

from __future__ import annotations

import re

_FAILED_CALL = re.compile(r'failed calling webhook "([^"]+)"')


def webhook_hint(detail: str) -> str | None:
    """Return a hint naming the webhook when `detail` is a failed webhook call, else None."""
    found = _FAILED_CALL.search(detail)
    if found is None:
        return None
    name = found.group(1)
    if "unideploy sandbox" in detail:
        return (
            f'admission webhook "{name}" has no server in the sandbox (started with '
            "--webhooks=fail); restart it with `unideploy sandbox down && unideploy sandbox up` "
            "to have webhook calls simulated, or set the webhook's failurePolicy to Ignore"
        )
    return (
        f'admission webhook "{name}" could not be called: deploy its server first (an earlier '
        "tier), check its Service and endpoints, or set its failurePolicy to Ignore"
    )
