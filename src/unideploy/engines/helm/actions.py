"""Install, upgrade and rollback with the server-side apply options the Python wrapper omits.

helm-python-sdk's `Config.install/upgrade/rollback` do not pass `force_conflicts` or a
post-renderer, although the native library accepts them (its options are strict JSON: an
unknown key is refused, so a library without them fails loudly rather than ignoring them).
These calls mirror the wrapper's and add those options.
"""

from __future__ import annotations

import json
from typing import Any

from helm_python import _native

from unideploy.engines.helm.lib import hp

_NONE = 0


def _opts(**pairs: Any) -> str | None:
    present = {key: value for key, value in pairs.items() if value not in (None, False)}
    return json.dumps(present) if present else None


def _context(context: hp.HelmContext | None) -> object:
    return _native.HANDLE(_NONE) if context is None else context._raw()


def install_or_upgrade(
    cfg: hp.Config,
    chart: hp.Chart,
    name: str,
    values: dict[str, Any],
    *,
    upgrade: bool,
    context: hp.HelmContext | None,
    options: dict[str, Any],
) -> dict[str, Any]:
    """`helm_upgrade` (or `helm_install`) with any of the native options, e.g. force_conflicts."""
    payload = _native.call_string(
        "helm_upgrade" if upgrade else "helm_install",
        cfg._raw(),
        _context(context),
        chart._raw(),
        None,
        name,
        json.dumps(values),
        _opts(**options),
    )
    decoded: dict[str, Any] = json.loads(payload)
    return decoded


def rollback(cfg: hp.Config, name: str, options: dict[str, Any]) -> None:
    """`helm_rollback` with any of the native options (force_conflicts included)."""
    _native.call_status("helm_rollback", cfg._raw(), name, _opts(**options))
