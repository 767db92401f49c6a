"""Turn Helm SDK failures into EngineErrors that name the release, give a way out, leak nothing.

Used by `sdk` and `charts` only. Secret values (listed in the spec or found under
secret-looking keys of the values) are replaced by `***` before a message is built.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.lib import hp
from unideploy.engines.helm.webhook_hint import webhook_hint
from unideploy.errors import EngineError

REDACTED = "***"
_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|credential|private[-_]?key|api[-_]?key|^key$",
    re.IGNORECASE,
)
_TRANSIENT = (
    "connection refused",
    "connection reset",
    "i/o timeout",
    "tls handshake timeout",
    "no route to host",
    "unexpected eof",
    "the server is currently unable",
    "etcdserver: request timed out",
    "too many requests",
    "cluster unreachable",
)
_MAX_DETAIL = 600
#: The API server gave out every ClusterIP of its --service-cluster-ip-range (the sandbox's
#: 10.0.0.0/24 holds 254): nothing frees one but deleting Services.
SERVICE_RANGE_FULL = (
    "the cluster's Service IP range is full: delete Services (or whole namespaces) no longer "
    "needed, or widen the API server's --service-cluster-ip-range; a sandbox has 254 addresses, "
    "and `unideploy sandbox down --purge` then `unideploy sandbox up` starts it empty"
)


def _leaves(values: Mapping[str, Any], secret_parent: bool = False) -> Iterator[str]:
    for key, value in values.items():
        secret = secret_parent or bool(_SECRET_KEY.search(str(key)))
        if isinstance(value, Mapping):
            yield from _leaves(value, secret)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping):
                    yield from _leaves(item, secret)
                elif secret and isinstance(item, str | int) and not isinstance(item, bool):
                    yield str(item)
        elif secret and isinstance(value, str | int) and not isinstance(value, bool):
            yield str(value)


def secret_strings(spec: ReleaseSpec) -> list[str]:
    """Every string that must not appear in output for this release, longest first."""
    found = {s for s in (*spec.sensitive, *_leaves(spec.values)) if len(s) >= 4}
    encoded = {base64.b64encode(s.encode()).decode() for s in found}
    return sorted(found | encoded, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret by `***`."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def is_transient(detail: str) -> bool:
    """True when the failure looks like a passing connection problem worth retrying."""
    lowered = detail.lower()
    return any(marker in lowered for marker in _TRANSIENT)


def _hint(exc: hp.HelmError, spec: ReleaseSpec, action: str) -> tuple[str, bool]:
    webhook = webhook_hint(str(exc))
    if webhook is not None:
        # Not a passing problem: the webhook's backend is down or absent until someone acts.
        return webhook, False
    detail = str(exc).lower()
    if "failed to allocate a serviceip" in detail and "range is full" in detail:
        return (SERVICE_RANGE_FULL, False)
    if isinstance(exc, hp.HelmKubeError) or is_transient(detail):
        return (
            "check that the API server in the kubeconfig/context is reachable; retrying may help",
            True,
        )
    if isinstance(exc, hp.HelmRenderError | hp.HelmValuesError):
        return (
            "fix the template or the release's values; render it offline to see the error",
            False,
        )
    if isinstance(exc, hp.HelmChartLoadError | hp.HelmChartInvalidError):
        return (f"check the chart reference {spec.chart_label!r} points at a valid chart", False)
    if isinstance(exc, hp.HelmRepoError | hp.HelmRegistryError):
        return (
            f"check that {spec.chart_label!r} exists (repository URL, chart name, pinned version)",
            is_transient(detail),
        )
    if isinstance(exc, hp.HelmCancelledError) or "context canceled" in detail:
        return ("the run was cancelled; the release may need a rollback", False)
    if "another operation" in detail or "in progress" in detail:
        return (
            "the release is stuck in a pending state; roll it back (deploy --recover-pending)",
            False,
        )
    if "deadline exceeded" in detail or "timed out" in detail or "timeout" in detail:
        return (
            f"objects were not ready within {spec.timeout_s} s; raise the timeout or fix them",
            False,
        )
    if isinstance(exc, hp.HelmNotFoundError):
        return (f'release "{spec.name}" or the revision asked for does not exist', False)
    return (f"see `helm history {spec.name} -n {spec.namespace}` for the release's state", False)


def secret_object_strings(manifests: Iterable[Mapping[str, Any]]) -> list[str]:
    """The values of every rendered Secret's `data` / `stringData` (and their decoded forms)."""
    found: set[str] = set()
    for obj in manifests:
        if obj.get("kind") != "Secret":
            continue
        for key in ("data", "stringData"):
            for value in (obj.get(key) or {}).values():
                text = str(value)
                found.add(text)
                if key == "data":
                    with contextlib.suppress(ValueError, UnicodeDecodeError):
                        found.add(base64.b64decode(text, validate=True).decode())
    return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)


def engine_error(
    exc: hp.HelmError, spec: ReleaseSpec, action: str, *, also_hide: Iterable[str] = ()
) -> EngineError:
    """Wrap a Helm SDK error: what failed for which release, one hint, retryable when transient."""
    hidden = sorted({*secret_strings(spec), *also_hide}, key=len, reverse=True)
    detail = redact(str(exc).strip(), hidden)
    detail = " ".join(detail.split())
    if len(detail) > _MAX_DETAIL:
        detail = detail[: _MAX_DETAIL - 1] + "…"
    hint, retryable = _hint(exc, spec, action)
    return EngineError(
        f'helm {action} of release "{spec.name}" (namespace {spec.namespace}) failed: {detail}',
        hint=hint,
        retryable=retryable,
    )
