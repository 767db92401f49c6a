"""UD-K8S-023 workloads no NetworkPolicy selects (checkov CKV2_K8S_6, kubescape C-0260)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from unideploy.security.manifests.objects import (
    K8sObject,
    as_list,
    as_map,
    namespace_of,
    pod_spec_of,
)
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-023",
    severity=Severity.MEDIUM,
    title="Every workload should be selected by a NetworkPolicy",
    rationale=(
        "A pod no NetworkPolicy selects accepts traffic from every other pod in the cluster."
    ),
    references=("CKV2_K8S_6", "C-0260"),
    applies_to=frozenset(),
)


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """True when a label selector (matchLabels and matchExpressions) matches `labels`."""
    for key, value in as_map(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expression in as_list(selector.get("matchExpressions")):
        expr = as_map(expression)
        key, operator = str(expr.get("key", "")), expr.get("operator")
        values = {str(v) for v in as_list(expr.get("values"))}
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _pod_labels(obj: K8sObject) -> dict[str, str]:
    pod = pod_spec_of(obj)
    if pod is None or not pod.template_metadata:
        return obj.labels
    return {str(k): str(v) for k, v in as_map(pod.template_metadata.get("labels")).items()}


@CHECK.collection
def unselected(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    policies: dict[str, list[Mapping[str, Any]]] = {}
    for obj in objects:
        if obj.kind == "NetworkPolicy":
            selector = as_map(obj.spec.get("podSelector"))
            policies.setdefault(namespace_of(obj), []).append(selector)
    for obj in objects:
        if pod_spec_of(obj) is None:
            continue
        namespace = namespace_of(obj)
        in_namespace = policies.get(namespace, [])
        labels = _pod_labels(obj)
        if any(selects(selector, labels) for selector in in_namespace):
            continue
        if in_namespace:
            message = f"no NetworkPolicy in namespace {namespace} selects its pods"
        else:
            message = f"namespace {namespace} has no NetworkPolicy at all"
        yield CHECK.finding(obj, message)
