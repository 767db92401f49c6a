"""The `gitops status` use case: our Argo CD Applications and Flux objects, and what is wrong.

Reads the objects `gitops render` labels (part-of the stack, the environment) wherever they are,
and explains each one that is not synced and healthy / Ready, with the command that helps.
A controller whose CRD is not installed is reported as absent, not as an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from unideploy.config.stack import Stack
from unideploy.engines.kube.access import served_kinds
from unideploy.engines.kube.objects import list_objects
from unideploy.gitops.flux import HELM_API, KUSTOMIZE_API, SOURCE_API
from unideploy.gitops.layout import ENVIRONMENT_LABEL, PART_OF

ARGO_API = "argoproj.io/v1alpha1"
FLUX_KINDS = (
    (KUSTOMIZE_API, "Kustomization", "kustomization"),
    (HELM_API, "HelmRelease", "helmrelease"),
    (SOURCE_API, "GitRepository", "source git"),
    (SOURCE_API, "HelmRepository", "source helm"),
)


@dataclass(frozen=True)
class ControllerObject:
    """One Application / Kustomization / HelmRelease / source and how it stands."""

    controller: str
    kind: str
    namespace: str
    name: str
    state: str
    ok: bool
    problems: tuple[str, ...] = ()
    fix: str = ""
    #: What the controller applied last: a source's artifact, a Kustomization's
    #: lastAppliedRevision, a HelmRelease's chart version (with the Git revision of a git chart).
    revision: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "controller": self.controller,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "state": self.state,
            "ok": self.ok,
            "problems": list(self.problems),
            "fix": self.fix,
            "revision": self.revision,
        }


@dataclass(frozen=True)
class GitopsStatus:
    """Everything our GitOps controllers report for one environment."""

    environment: str
    installed: tuple[str, ...]
    objects: tuple[ControllerObject, ...] = field(default_factory=tuple)

    @property
    def healthy(self) -> bool:
        """True when there is something to report and all of it is fine."""
        return bool(self.objects) and all(o.ok for o in self.objects)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "environment": self.environment,
            "installed": list(self.installed),
            "healthy": self.healthy,
            "objects": [o.to_dict() for o in self.objects],
        }


def gitops_status(api: Any, stack: Stack, environment: str) -> GitopsStatus:
    """Read our Argo CD and Flux objects for `environment` from the cluster `api` reaches."""
    stack.environment(environment)
    selector = f"{PART_OF}={stack.file.name},{ENVIRONMENT_LABEL}={environment}"
    installed: list[str] = []
    objects: list[ControllerObject] = []
    if _served(api, ARGO_API, "Application"):
        installed.append("argocd")
        for app in list_objects(api, ARGO_API, "Application", None, label_selector=selector):
            objects.append(argo_application(app))
    if _served(api, KUSTOMIZE_API, "Kustomization") or _served(api, HELM_API, "HelmRelease"):
        installed.append("flux")
        for api_version, kind, command in FLUX_KINDS:
            for obj in list_objects(api, api_version, kind, None, label_selector=selector):
                objects.append(flux_object(obj, command))
    return GitopsStatus(environment, tuple(installed), tuple(objects))


def _served(api: Any, api_version: str, kind: str) -> bool:
    return kind in served_kinds(api, api_version)


def argo_application(app: dict[str, Any]) -> ControllerObject:
    """Sync and health of one Application, with the out-of-sync and unhealthy resources named."""
    meta, status = app.get("metadata") or {}, app.get("status") or {}
    sync = str((status.get("sync") or {}).get("status") or "Unknown")
    health = status.get("health") or {}
    health_state = str(health.get("status") or "Unknown")
    problems: list[str] = []
    for resource in status.get("resources") or ():
        where = f"{resource.get('kind')} {resource.get('namespace') or ''}/{resource.get('name')}"
        if resource.get("status") == "OutOfSync":
            problems.append(f"{where} is out of sync")
        res_health = resource.get("health") or {}
        if res_health.get("status") in ("Degraded", "Missing"):
            message = res_health.get("message")
            problems.append(
                f"{where} is {res_health['status']}" + (f": {message}" if message else "")
            )
    operation = status.get("operationState") or {}
    if operation.get("phase") in ("Failed", "Error"):
        problems.append(f"last sync {operation['phase'].lower()}: {operation.get('message', '')}")
    for condition in status.get("conditions") or ():
        if str(condition.get("type", "")).endswith("Error"):
            problems.append(f"{condition['type']}: {condition.get('message', '')}")
    ok = sync == "Synced" and health_state == "Healthy"
    name = str(meta.get("name"))
    if ok:
        fix = ""
    elif sync != "Synced":
        fix = f"argocd app diff {name}; argocd app sync {name}"
    else:
        fix = f"argocd app get {name} --show-operation (then fix the unhealthy resources)"
    return ControllerObject(
        "argocd",
        "Application",
        str(meta.get("namespace")),
        name,
        f"{sync}/{health_state}",
        ok,
        tuple(problems),
        fix,
    )


def flux_object(obj: dict[str, Any], command: str) -> ControllerObject:
    """The Ready condition of one Flux object (and Stalled, suspension), with the fix."""
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    conditions = {str(c.get("type")): c for c in status.get("conditions") or ()}
    ready = conditions.get("Ready") or {}
    ready_state = str(ready.get("status") or "Unknown")
    problems: list[str] = []
    if ready_state != "True":
        reason = ready.get("reason") or "no Ready condition yet"
        problems.append(
            f"not ready ({reason})" + (f": {ready['message']}" if ready.get("message") else "")
        )
    stalled = conditions.get("Stalled") or {}
    if stalled.get("status") == "True":
        problems.append(f"stalled: {stalled.get('message', '')}")
    if obj.get("kind") == "HelmRelease" and ready_state != "True":
        problems += _last_helm_failure(conditions, ready)
    name, namespace = str(meta.get("name")), str(meta.get("namespace"))
    suspended = bool(spec.get("suspend"))
    if suspended:
        problems.append("suspended")
    ok = ready_state == "True" and not suspended
    if ok:
        fix = ""
    elif suspended:
        fix = f"flux resume {command} {name} -n {namespace}"
    else:
        source = " --with-source" if command in ("kustomization", "helmrelease") else ""
        fix = f"flux reconcile {command} {name} -n {namespace}{source}"
    state = (
        "Suspended"
        if suspended
        else {"True": "Ready", "False": "NotReady"}.get(ready_state, "Unknown")
    )
    revision, attempted = flux_revisions(str(obj.get("kind")), status)
    if attempted and attempted != revision:
        problems.append(f"revision {attempted} attempted, not applied")
    elif obj.get("kind") == "HelmRelease" and _values_not_applied(status):
        problems.append("new values attempted, not applied: the release keeps its previous values")
    return ControllerObject(
        "flux", str(obj.get("kind")), namespace, name, state, ok, tuple(problems), fix, revision
    )


def _last_helm_failure(conditions: dict[str, Any], ready: dict[str, Any]) -> list[str]:
    """helm-controller's last failed action, which Ready hides while it retries.

    Between two attempts Ready reads "Running 'upgrade' action"; `Released` (install/upgrade)
    and `Remediated` (rollback/uninstall) keep the last failure's reason and Helm's message.
    """
    found = []
    for kind in ("Released", "Remediated"):
        condition = conditions.get(kind) or {}
        message = condition.get("message")
        if condition.get("status") == "False" and message and message != ready.get("message"):
            found.append(
                f"last {kind.lower()} attempt failed ({condition.get('reason')}): {message}"
            )
    return found


def _deployed(status: dict[str, Any]) -> dict[str, Any]:
    """The history entry of the release Helm has deployed now (newest first), or {}."""
    history = status.get("history") or ()
    found: dict[str, Any] = next((h for h in history if h.get("status") == "deployed"), {})
    return found


def _values_not_applied(status: dict[str, Any]) -> bool:
    attempted = status.get("lastAttemptedConfigDigest")
    deployed = _deployed(status).get("configDigest")
    return bool(attempted and deployed and attempted != deployed)


def flux_revisions(kind: str, status: dict[str, Any]) -> tuple[str, str]:
    """(applied, last attempted) revision of a Flux object, as its controller wrote them."""
    if kind == "Kustomization":
        return str(status.get("lastAppliedRevision") or ""), str(
            status.get("lastAttemptedRevision") or ""
        )
    if kind == "HelmRelease":
        deployed = _deployed(status)
        return str(deployed.get("chartVersion") or ""), str(
            status.get("lastAttemptedRevision") or ""
        )
    artifact = status.get("artifact") or {}
    return str(artifact.get("revision") or ""), ""
