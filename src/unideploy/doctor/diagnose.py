"""The `doctor` use case: the usual ways a deployment gets stuck, each explained with its fix.

Terraform state locks, Helm releases stuck in pending-* or failed, releases held up by fields
another field manager owns (see `ownership`), GitOps objects out of sync or not ready,
cert-manager Certificates and Issuers not ready. A finding may carry a safe fix (one that
only restores a state a deploy would restore anyway); `doctor --fix` applies those on request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from unideploy.config.stack import Stack
from unideploy.doctor.ownership import is_conflict, ownership_jams, way_out
from unideploy.engines.kube.client import CLUSTER_SCOPED
from unideploy.engines.kube.objects import annotate, list_objects
from unideploy.errors import EngineError
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm_release import last_deployed, stuck_message
from unideploy.gitops.status import gitops_status
from unideploy.service.deploy import DeployRequest, pipeline_context

CERT_API = "cert-manager.io/v1"


@dataclass(frozen=True)
class Finding:
    """One problem: where, what, how to get out; `repair` is the safe fix, if there is one."""

    area: str
    subject: str
    problem: str
    fix: str
    repair: Callable[[], str] | None = None

    @property
    def fixable(self) -> bool:
        """True when `doctor --fix` can repair it."""
        return self.repair is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "area": self.area,
            "subject": self.subject,
            "problem": self.problem,
            "fix": self.fix,
            "safe_fix": self.fixable,
        }


def examine(stack: Stack, environment: str) -> list[Finding]:
    """Every finding for `environment`; an unreachable cluster is a finding too."""
    ctx = pipeline_context(stack, DeployRequest(environment))
    findings = terraform_locks(ctx)
    try:
        api = ctx.kube()
        findings += helm_releases(ctx)
        jammed = {f.subject for f in findings if f.area == "helm"}
        findings += [
            Finding("helm", jam.release, jam.problem, jam.fix)
            for jam in ownership_jams(ctx)
            if jam.release not in jammed
        ]
        findings += gitops_problems(api, stack, environment)
        findings += certificates(api)
    except EngineError as exc:
        findings.append(Finding("cluster", ctx.cluster.describe(), exc.message, exc.hint or ""))
    return findings


def terraform_locks(ctx: PipelineContext) -> list[Finding]:
    """Locked Terraform state per module: stale locks are safe to remove, live ones are not."""
    found = []
    for module in ctx.plan.modules:
        workspace = ctx.workspace(module.name)
        if not workspace.state_dir.is_dir():
            continue
        lock = ctx.terraform().state_lock(workspace)
        if lock is None:
            continue
        unlock = f"unideploy terraform unlock -e {ctx.environment} {lock.id} --module {module.name}"
        if lock.held:
            found.append(
                Finding(
                    "terraform",
                    module.name,
                    lock.describe(),
                    f"wait for that run; if it is stuck: `{unlock}` (stops it first)",
                )
            )
            continue

        def release(ws: Any = workspace, lock_id: str = lock.id) -> str:
            ctx.terraform().force_unlock(ws, lock_id)
            return f"released stale lock {lock_id}"

        found.append(
            Finding(
                "terraform",
                module.name,
                f"stale {lock.describe()}: its process is gone",
                f"`{unlock}`",
                release,
            )
        )
    return found


def helm_releases(ctx: PipelineContext) -> list[Finding]:
    """Our releases stuck in pending-* (safe fix: roll back) or failed (last error shown)."""
    ours = {release.key for release in ctx.stack.file.releases}
    engine = ctx.helm()
    found = []
    for revision in engine.releases(None):
        key = f"{revision.namespace}/{revision.release}"
        if key not in ours:
            continue
        if revision.pending:
            history = engine.history(revision.release, revision.namespace)
            target = last_deployed(history)

            def roll_back(
                name: str = revision.release,
                ns: str = revision.namespace,
                to: int | None = target.revision if target else None,
            ) -> str:
                head = ctx.helm().rollback(name, ns, to)
                return f"rolled back to revision {head.revision}"

            found.append(
                Finding(
                    "helm",
                    key,
                    stuck_message(revision),
                    f"`unideploy deploy -e {ctx.environment} --recover-pending`",
                    roll_back if target is not None else None,
                )
            )
        elif revision.status == "failed":
            history = engine.history(revision.release, revision.namespace)
            same = [r for r in history if r.revision == revision.revision]
            error = (same[0].description if same else revision.description) or "no error recorded"
            fix = (
                way_out(ctx.environment, key)
                if is_conflict(error)
                else f"fix the cause, then `unideploy deploy -e {ctx.environment}` "
                f"(or `unideploy rollback -e {ctx.environment}`)"
            )
            found.append(Finding("helm", key, f"revision {revision.revision} failed: {error}", fix))
    return found


def gitops_problems(api: Any, stack: Stack, environment: str) -> list[Finding]:
    """Our Argo CD / Flux objects that are not synced and healthy; safe fix: ask for a refresh."""
    found = []
    for obj in gitops_status(api, stack, environment).objects:
        if obj.ok:
            continue
        problems = "; ".join(obj.problems) or obj.state
        found.append(
            Finding(
                obj.controller,
                f"{obj.kind} {obj.namespace}/{obj.name}",
                f"{obj.state}: {problems}",
                f"`{obj.fix}`",
                None
                if "resume" in obj.fix
                else _refresher(api, obj.controller, obj.kind, obj.namespace, obj.name),
            )
        )
    return found


def _refresher(
    api: Any, controller: str, kind: str, namespace: str, name: str
) -> Callable[[], str]:
    """Argo CD: refresh=normal; Flux: reconcile.fluxcd.io/requestedAt (both: look again)."""
    api_version = {
        "Application": "argoproj.io/v1alpha1",
        "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
        "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    }.get(kind, "source.toolkit.fluxcd.io/v1")
    key, value = (
        ("argocd.argoproj.io/refresh", "normal")
        if controller == "argocd"
        else ("reconcile.fluxcd.io/requestedAt", datetime.now(UTC).isoformat())
    )

    def refresh() -> str:
        obj: dict[str, Any] = {
            "apiVersion": api_version,
            "kind": kind,
            "metadata": {"name": name, "namespace": namespace},
        }
        done, why = annotate(api, obj, key, value)
        if not done:
            raise EngineError(f"could not annotate {kind} {namespace}/{name}: {why}")
        return f"asked {controller} to reconcile again ({key})"

    return refresh


def certificates(api: Any) -> list[Finding]:
    """cert-manager Certificates, Issuers and ClusterIssuers whose Ready condition is not True."""
    found = []
    for kind, scope in (("ClusterIssuer", None), ("Issuer", "all"), ("Certificate", "all")):
        namespace = None if kind in CLUSTER_SCOPED or scope == "all" else scope
        for obj in list_objects(api, CERT_API, kind, namespace):
            meta = obj.get("metadata") or {}
            conditions = (obj.get("status") or {}).get("conditions") or []
            ready: dict[str, Any] = next((c for c in conditions if c.get("type") == "Ready"), {})
            if ready.get("status") == "True":
                continue
            where = (
                meta.get("name")
                if kind == "ClusterIssuer"
                else f"{meta.get('namespace')}/{meta.get('name')}"
            )
            reason = ready.get("reason") or "no Ready condition yet"
            message = f": {ready['message']}" if ready.get("message") else ""
            flag = "" if kind == "ClusterIssuer" else f" -n {meta.get('namespace')}"
            describe = f"kubectl describe {kind.lower()} {meta.get('name')}{flag}"
            fix = f"`{describe}`" + (
                f", then `cmctl renew {meta.get('name')}{flag}`" if kind == "Certificate" else ""
            )
            found.append(
                Finding("cert-manager", f"{kind} {where}", f"not ready ({reason}){message}", fix)
            )
    return found
