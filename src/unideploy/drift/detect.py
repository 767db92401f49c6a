"""The `drift` use case: every release's rendered objects against the live cluster, per field.

Desired comes from the same render as a deploy; live from one LIST per (kind, namespace). Reports
drifted fields (old → new), missing objects and extra ones (Helm-annotated for one of our releases
but no longer rendered). Ignored: fields the object does not set, controller-owned fields, HPA
replicas, and the user's ignore rules. Terraform drift comes from a plan of each applied module.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from unideploy.config.ignore import IgnoreRule, load_rules
from unideploy.config.ownership import autoscaler_targets, pin_left
from unideploy.config.stack import Stack
from unideploy.diffs.normalize import object_key
from unideploy.drift.applied import applied_view
from unideploy.drift.compare import FieldDrift, compare
from unideploy.drift.gitops_owner import gitops_owner
from unideploy.drift.model import DriftReport, ObjectDrift, TerraformDrift
from unideploy.drift.owners import CONTROLLER_MANAGERS, deploy_manager, owned_by
from unideploy.engines.helm.contract import HelmEngine
from unideploy.engines.helm.fieldmanager import RELEASE_NAME, RELEASE_NAMESPACE, as_helm_applies
from unideploy.engines.kube.apply import FIELD_MANAGER
from unideploy.engines.kube.client import CLUSTER_SCOPED, KubeReader
from unideploy.engines.kube.discovery import resource
from unideploy.engines.kube.objects import list_objects
from unideploy.errors import EngineError
from unideploy.service.desired import DesiredRelease, DesiredState, desired_state

LOG = logging.getLogger(__name__)
#: Kinds listed in every release namespace to find objects a chart no longer renders.
COMMON_KINDS = (
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("batch/v1", "CronJob"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
)
HPA = ("autoscaling/v2", "HorizontalPodAutoscaler")
Group = tuple[str, str, str | None]


@dataclass(frozen=True)
class DriftOptions:
    """What `unideploy drift` was asked to consider."""

    environment: str
    ignore_file: Path | None = None
    outputs_file: Path | None = None
    terraform: bool = True
    parallel: int = 8


@dataclass
class _Live:
    objects: dict[Group, dict[str, dict[str, Any]]] = field(default_factory=dict)
    hpa_targets: set[tuple[str, str, str]] = field(default_factory=set)


def detect(
    stack: Stack,
    options: DriftOptions,
    *,
    helm: HelmEngine | None = None,
    api: Any = None,
    state: DesiredState | None = None,
) -> DriftReport:
    """Compare the environment's desired state with its cluster (and Terraform state).

    `state` reuses a rendering already made (benchmarks); `helm`/`api` replace the engines.
    """
    if state is None:
        state = desired_state(
            stack, options.environment, outputs_file=options.outputs_file, helm=helm, live=True
        )
    rules = load_rules(stack.root, options.ignore_file)
    client = api if api is not None else state.context.kube()
    live = _read_live(client, state, options.parallel)
    objects: list[ObjectDrift] = []
    managers: dict[str, str] = {}
    checked = 0
    pairs = []
    for item in state.releases:
        autoscaled = autoscaler_targets(item.objects(), item.release.namespace) | live.hpa_targets
        for obj in item.objects():
            current = live.objects.get(_group(client, obj), {}).get(obj["metadata"]["name"])
            if current is not None:  # leaveToOthers and autoscaled replicas keep their live value
                obj = pin_left(item.release, obj, current, autoscaled)
            pairs.append((item, obj, current))
    with ThreadPoolExecutor(max_workers=max(1, options.parallel)) as pool:
        views = list(pool.map(lambda p: _view(client, p[0], p[1], p[2]), pairs))
    desired_keys: dict[str, set[tuple[Group, str]]] = {item.key: set() for item in state.releases}
    for (item, obj, current), view in zip(pairs, views, strict=True):
        checked += 1
        desired_keys[item.key].add((_group(client, obj), obj["metadata"]["name"]))
        key = object_key(obj)
        if current is None:
            objects.append(ObjectDrift(item.key, key, "missing", (), obj, None))
            continue
        manager = deploy_manager(current)
        if manager is not None:
            managers.setdefault(item.key, manager)
        wanted = obj if view is None else view
        fields = compare(wanted, current, skip=_skipper(obj, current, rules, live))
        if fields:
            objects.append(ObjectDrift(item.key, key, "drifted", tuple(fields), obj, current))
    for item in state.releases:
        release = item.release
        objects.extend(_extras(release.name, release.namespace, live, desired_keys[item.key]))
    objects = _with_owners(client, objects)
    terraform = _terraform(state) if options.terraform else ()
    return DriftReport(options.environment, tuple(objects), checked, terraform, managers)


def _with_owners(api: Any, objects: list[ObjectDrift]) -> list[ObjectDrift]:
    """Each live object's GitOps controller, when one manages it (read once per controller)."""
    reader = KubeReader(api)
    read = functools.cache(reader.get)
    owned = []
    for drift in objects:
        owner = None if drift.live is None else gitops_owner(drift.live, read)
        owned.append(drift if owner is None else replace(drift, owner=owner))
    return owned


def _group(api: Any, obj: dict[str, Any]) -> Group:
    kind, api_version = str(obj["kind"]), str(obj["apiVersion"])
    served = resource(api, api_version, kind)
    namespaced = kind not in CLUSTER_SCOPED if served is None else served.namespaced
    return (api_version, kind, obj["metadata"].get("namespace") if namespaced else None)


def _view(
    api: Any, item: DesiredRelease, obj: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Server-side apply's view of `obj` as Helm's field manager would re-apply it."""
    if current is None:
        return None
    manager = deploy_manager(current) or FIELD_MANAGER
    release = item.release
    return applied_view(api, as_helm_applies(obj, release.name, release.namespace), manager)


def _order(group: Group) -> tuple[str, str, str]:
    return (group[0], group[1], group[2] or "")


def _read_live(api: Any, state: DesiredState, parallel: int) -> _Live:
    groups: set[Group] = set()
    namespaces = {item.release.namespace for item in state.releases}
    for item in state.releases:
        groups.update(_group(api, obj) for obj in item.objects())
    for namespace in namespaces:
        groups.update((api_version, kind, namespace) for api_version, kind in COMMON_KINDS)
    hpa_groups = [(HPA[0], HPA[1], namespace) for namespace in sorted(namespaces)]
    ordered = sorted(groups, key=_order) + hpa_groups
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        lists = list(pool.map(lambda g: list_objects(api, g[0], g[1], g[2]), ordered))
    live = _Live()
    for group, items in zip(ordered, lists, strict=True):
        if group[1] == HPA[1]:
            for hpa in items:
                target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
                scaled = (str(target.get("kind")), str(group[2]), str(target.get("name")))
                live.hpa_targets.add(scaled)
            continue
        live.objects[group] = {item["metadata"]["name"]: item for item in items}
    return live


def _skipper(
    desired: dict[str, Any], current: dict[str, Any], rules: tuple[IgnoreRule, ...], live: _Live
) -> Any:
    selected = [rule for rule in rules if rule.selects(current)]
    pointers = {p for rule in selected for p in rule.json_pointers}
    managers = CONTROLLER_MANAGERS | {m for rule in selected for m in rule.managers}
    meta = current.get("metadata") or {}
    scaled = (str(current.get("kind")), str(meta.get("namespace")), str(meta.get("name")))

    def skip(path: tuple[str | int, ...]) -> bool:
        if path == ("spec", "replicas") and scaled in live.hpa_targets:
            return True
        text = FieldDrift(path, "", None, None).pointer
        if any(text == p or text.startswith(p + "/") for p in pointers):
            return True
        return owned_by(current, path, managers)

    return skip


def _extras(
    release: str, namespace: str, live: _Live, desired: set[tuple[Group, str]]
) -> list[ObjectDrift]:
    found = []
    for group, by_name in sorted(live.objects.items(), key=lambda g: _order(g[0])):
        for name, obj in sorted(by_name.items()):
            annotations = (obj.get("metadata") or {}).get("annotations") or {}
            ours = annotations.get(RELEASE_NAME) == release and (
                annotations.get(RELEASE_NAMESPACE) == namespace
            )
            if ours and (group, name) not in desired:
                key = object_key(obj)
                found.append(ObjectDrift(f"{namespace}/{release}", key, "extra", (), None, obj))
    return found


def _terraform(state: DesiredState) -> tuple[TerraformDrift, ...]:
    """A plan per applied module: changes there mean drift or configuration not yet applied."""
    results = []
    ctx = state.context
    for module in ctx.plan.modules:
        workspace = ctx.workspace(module.name)
        if not workspace.state_file.is_file():
            results.append(TerraformDrift(module.name, None, "never applied in this environment"))
            continue
        plan_file = workspace.state_dir / "drift.tfplan"
        try:
            engine = ctx.terraform()
            engine.init(workspace)
            # What changed outside Terraform (a refresh-only plan), then what applying would do.
            outside = engine.plan(workspace, module.vars, plan_file=plan_file, refresh_only=True)
            summary = engine.plan(workspace, module.vars, plan_file=plan_file)
        except EngineError as exc:
            results.append(TerraformDrift(module.name, None, exc.message))
            continue
        finally:
            plan_file.unlink(missing_ok=True)
        results.append(TerraformDrift(module.name, summary, "", outside))
    return tuple(results)
