"""The security phases: the static gate before anything is applied, the live audit after Helm.

`security:static` renders every release (Terraform outputs resolved) and runs the manifest checks on
all of them at once under the environment's policy (global.security values, then stack.yaml's
`security.<env>` block); a blocking finding stops the run before the helm phases. `security` audits
the live cluster after the helm phases (network policies, RBAC, pod security of running pods).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm_release import render_release
from unideploy.execute.result import Status
from unideploy.execute.step import Outcome, Phase, Step, StepContext
from unideploy.security.audit.fetch import fetch_audit_objects
from unideploy.security.audit.rules import AuditOptions, audit
from unideploy.security.manifests.gate import release_objects, static_gate
from unideploy.security.manifests.policy import Policy, evaluate, policy_for

STATIC_PHASE = "security:static"
LIVE_PHASE = "security"


def environment_policy(ctx: PipelineContext) -> Policy:
    """The environment's security policy from its values and the stack's overrides."""
    security = ctx.env_values.global_values.get("security")
    overrides = ctx.stack.file.security.get(ctx.environment)
    return policy_for(
        ctx.environment,
        security if isinstance(security, Mapping) else None,
        overrides if isinstance(overrides, Mapping) else None,
        ctx.stack.security_exemptions(),
    )


def static_gate_phase(
    ctx: PipelineContext, ensure_outputs: Callable[[], None], skip_reason: str | None = None
) -> Phase:
    """One step checking every rendered release together (policies may span releases)."""

    def action(step: StepContext) -> Outcome:
        ensure_outputs()
        objects: list[tuple[str, Mapping[str, Any]]] = []
        for planned in ctx.plan.releases:
            step.check_cancelled()
            release = ctx.stack.release(planned.key)
            _, _, rendered = render_release(ctx, release)
            manifests = [*rendered.manifests, *rendered.hooks]
            for _source, obj in release_objects(release.name, release.namespace, manifests):
                objects.append((f"helm/{release.name}", obj))
        result = static_gate(objects, ctx.environment, policy=environment_policy(ctx))
        return _verdict_outcome(result.verdict, [f.to_json() for f in result.findings])

    steps = (Step(id="security/static", action=action),) if ctx.plan.releases else ()
    return Phase(STATIC_PHASE, steps, skip_reason)


def live_audit_phase(ctx: PipelineContext, skip_reason: str | None = None) -> Phase:
    """One step auditing the live cluster under the environment's policy."""

    def action(step: StepContext) -> Outcome:
        policy = environment_policy(ctx)
        security = ctx.env_values.global_values.get("security") or {}
        options = AuditOptions(
            enforce_network_policies=bool(security.get("enforceNetworkPolicies", False)),
            pod_security=policy.pod_security,
        )
        step.progress("reading namespaces, pods, network policies and RBAC")
        findings = audit(fetch_audit_objects(ctx.kube()), options)
        verdict = evaluate(findings, policy)
        return _verdict_outcome(verdict, [f.to_json() for f in findings])

    return Phase(LIVE_PHASE, (Step(id="security/live", action=action),), skip_reason)


def _verdict_outcome(verdict: Any, findings: list[dict[str, Any]]) -> Outcome:
    details = {
        "passed": verdict.passed,
        # Every finding: the reports (JSON, JUnit, Markdown, HTML) are written from these.
        "blocking": [f.to_json() for f in verdict.blocking],
        "findings": findings,
        "reported": verdict.reported,
        "policy": verdict.policy.to_json(),
    }
    if not verdict.passed:
        first = verdict.blocking[0]
        where = f"{first.object.kind} {first.object.namespace}/{first.object.name}"
        reason = f"{verdict.summary()}; first: {first.check_id} {where}: {first.message}"
        return Outcome(Status.FAILED, reason, details)
    if verdict.reported:
        return Outcome(Status.WARNED, verdict.summary(), details)
    return Outcome(Status.SUCCEEDED, verdict.summary(), details)
