"""Label selectors as Kubernetes evaluates them, for the cross-object checks.

NetworkPolicy podSelector, PodDisruptionBudget selector and aggregated ClusterRole selectors all
use the same `matchLabels` plus `matchExpressions` shape; `selects` is the one reading of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unideploy.security.manifests.objects import as_list, as_map


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """True when a label selector matches `labels`; an empty selector matches everything.

    Every `matchLabels` pair and every `matchExpressions` entry must hold (In, NotIn, Exists,
    DoesNotExist); an unknown operator matches nothing, as the API server would reject it.
    """
    for key, value in as_map(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expression in as_list(selector.get("matchExpressions")):
        expr = as_map(expression)
        key, operator = str(expr.get("key", "")), expr.get("operator")
        values = {str(v) for v in as_list(expr.get("values"))}
        present = key in labels
        if operator == "In":
            ok = present and labels[key] in values
        elif operator == "NotIn":
            ok = not (present and labels[key] in values)
        elif operator == "Exists":
            ok = present
        elif operator == "DoesNotExist":
            ok = not present
        else:
            ok = False
        if not ok:
            return False
    return True


def selects_any(selectors: Sequence[Mapping[str, Any]], labels: Mapping[str, str]) -> bool:
    """True when one of `selectors` matches (aggregation rules: a list of selectors, ORed)."""
    return any(selects(s, labels) for s in selectors)
