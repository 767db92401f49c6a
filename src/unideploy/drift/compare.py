"""Compare one desired object with its live copy, field by field, without defaulting noise.

Pure. Only fields the desired object sets are compared (the server's defaults never show);
quantities compare by value, list-maps by their merge keys; keys added by hand to the maps we
own (labels, annotations, ConfigMap/Secret data) and items added to our list-maps are drift too.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from unideploy.config.ignore import pointer

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "(absent)"})()
#: Merge keys of the list-maps in the kinds charts usually render (strategic-merge keys).
LIST_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "ports": ("containerPort", "port"),
    "hostAliases": ("ip",),
    "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"),
}
#: Maps whose extra live keys count as drift (a label added by hand), by path.
OWNED_MAPS = (("metadata", "labels"), ("metadata", "annotations"), ("data",), ("binaryData",))
#: Keys in those maps that tools and controllers set (never drift).
SYSTEM_PREFIXES = (
    "kubectl.kubernetes.io/",
    "deployment.kubernetes.io/",
    "meta.helm.sh/",
    "argocd.argoproj.io/",
    "kustomize.toolkit.fluxcd.io/",
    "helm.toolkit.fluxcd.io/",
    "control-plane.alpha.kubernetes.io/",
    "pv.kubernetes.io/",
    "autoscaling.alpha.kubernetes.io/",
)

#: Fields holding quantities (compared by value); elsewhere "1.10" and "1.1" differ.
QUANTITY_FIELDS = frozenset(
    {"requests", "limits", "capacity", "hard", "sizeLimit", "overhead", "allocatable"}
)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldDrift:
    """One differing field: `path` has live list indexes (JSON pointer), `shown` merge keys."""

    path: Path
    shown: str
    live: Any
    desired: Any
    extra: bool = False

    @property
    def pointer(self) -> str:
        """The JSON pointer of the field in the live object."""
        return pointer(self.path)


def compare(
    desired: Mapping[str, Any], live: Mapping[str, Any], *, skip: Callable[[Path], bool]
) -> list[FieldDrift]:
    """The drifted fields of `live` against `desired`; `skip(path)` drops ignored fields."""
    want = _secret_as_data(desired)
    found: list[FieldDrift] = []
    for key in sorted(set(want) - {"status", "apiVersion", "kind"}):
        _walk(want[key], live.get(key, MISSING), (key,), key, found)
    return [drift for drift in found if not skip(drift.path)]


def _secret_as_data(desired: Mapping[str, Any]) -> dict[str, Any]:
    """Compare a Secret's stringData the way it is stored: base64 in data."""
    result = dict(desired)
    if result.get("kind") == "Secret" and isinstance(result.get("stringData"), dict):
        data = dict(result.get("data") or {})
        for key, value in result.pop("stringData").items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        result["data"] = data
    return result


def _walk(want: Any, have: Any, path: Path, shown: str, out: list[FieldDrift]) -> None:
    if want is None:
        return
    if isinstance(want, dict):
        if not want and have in (MISSING, None, {}):
            return
        if not isinstance(have, dict):
            out.append(FieldDrift(path, shown, have, want))
            return
        for key in sorted(want):
            _walk(want[key], have.get(key, MISSING), (*path, key), f"{shown}.{key}", out)
        if path in OWNED_MAPS or (len(path) > 2 and path[-2:] == ("metadata", "labels")):
            for key in sorted(set(have) - set(want)):
                if not str(key).startswith(SYSTEM_PREFIXES):
                    out.append(FieldDrift((*path, key), f"{shown}.{key}", have[key], MISSING, True))
        return
    if isinstance(want, list):
        if not want and have in (MISSING, None, []):
            return
        if not isinstance(have, list):
            out.append(FieldDrift(path, shown, have, want))
            return
        keys = _merge_keys(path, want, have)
        if keys:
            _walk_keyed(want, have, keys, path, shown, out)
        elif len(want) != len(have):
            out.append(FieldDrift(path, shown, have, want))
        else:
            for index, (w, h) in enumerate(zip(want, have, strict=True)):
                _walk(w, h, (*path, index), f"{shown}[{index}]", out)
        return
    if not same_scalar(want, have, quantities=bool(QUANTITY_FIELDS.intersection(path))):
        out.append(FieldDrift(path, shown, have, want))


def _merge_keys(path: Path, want: list[Any], have: list[Any]) -> tuple[str, ...]:
    name = path[-1] if path and isinstance(path[-1], str) else ""
    candidates = LIST_KEYS.get(name, ())
    items = [*want, *have]
    if not candidates or not all(isinstance(item, dict) for item in items):
        return ()
    present = tuple(k for k in candidates if all(k in item for item in want))
    if not present:
        return ()
    return (*present, "protocol") if name == "ports" else present


def _identity(item: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(item.get(k, "TCP" if k == "protocol" else None) for k in keys)


def _walk_keyed(
    want: list[Any],
    have: list[Any],
    keys: tuple[str, ...],
    path: Path,
    shown: str,
    out: list[FieldDrift],
) -> None:
    live_at = {_identity(item, keys): index for index, item in enumerate(have)}
    wanted = set()
    for item in want:
        identity = _identity(item, keys)
        wanted.add(identity)
        label = f"{shown}[{','.join(f'{k}={v}' for k, v in zip(keys, identity, strict=True))}]"
        if identity not in live_at:
            out.append(FieldDrift((*path, len(have)), label, MISSING, item))
            continue
        index = live_at[identity]
        for key in sorted(item):
            at = (*path, index, key)
            _walk(item[key], have[index].get(key, MISSING), at, f"{label}.{key}", out)
    for identity, index in sorted(live_at.items(), key=lambda pair: pair[1]):
        if identity not in wanted:
            label = f"{shown}[{','.join(f'{k}={v}' for k, v in zip(keys, identity, strict=True))}]"
            out.append(FieldDrift((*path, index), label, have[index], MISSING, True))


def same_scalar(want: Any, have: Any, *, quantities: bool = False) -> bool:
    """Equal as Kubernetes means it: 1 == 1.0; with `quantities`, "1000m" == "1"."""
    if want == have and type(want) is type(have):
        return True
    if isinstance(want, bool) or isinstance(have, bool):
        return False
    if isinstance(want, int | float) and isinstance(have, int | float):
        return float(want) == float(have)
    if not quantities:
        return False
    left, right = quantity(want), quantity(have)
    return left is not None and left == right


_SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity's value ("500m" → 0.5, "1Gi" → 1073741824), None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if not isinstance(value, str) or not value or not (value[0].isdigit() or value[0] in "+-."):
        return None
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if suffix and value.endswith(suffix):
            number, scale = value[: -len(suffix)], _SUFFIXES[suffix]
            break
    else:
        number, scale = value, Decimal(1)
    try:
        return Decimal(number) * scale
    except InvalidOperation:
        return None
