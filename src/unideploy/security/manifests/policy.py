"""Per-environment security policy: which findings stop a deploy, a pure function of plain values.

The stack model hands in `global.security.*` from the environment's values and the `security:`
block of stack.yaml as dicts; `policy_for` layers them over built-in defaults and `evaluate` gives
a verdict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from unideploy.errors import ConfigError, GateError
from unideploy.security.manifests.pss import Level
from unideploy.security.manifests.registry import Finding, Severity

PSS_CHECKS = {Level.BASELINE: "UD-K8S-037", Level.RESTRICTED: "UD-K8S-038"}
NETWORK_POLICY_CHECK = "UD-K8S-023"
REPORT_ONLY = ("none", "off", "never", "report")


@dataclass(frozen=True)
class Exemption:
    """A stack-level exemption: objects matching the patterns are exempt from one check.

    For objects the stack does not author (upstream charts), where an annotation cannot be added.
    Patterns are shell-style (`cert-manager*`); the reason is required and shown in reports.
    `release` narrows it to the objects one Helm release renders (the finding's source is
    `helm/<release>`); `*` matches objects from anywhere.
    """

    check: str
    reason: str
    kind: str = "*"
    namespace: str = "*"
    name: str = "*"
    release: str = "*"

    def matches(self, finding: Finding) -> bool:
        """True when `finding` is of this check and its object matches every pattern."""
        ref = finding.object
        return (
            fnmatchcase(finding.check_id, self.check)
            and fnmatchcase(ref.kind, self.kind)
            and fnmatchcase(ref.namespace, self.namespace)
            and fnmatchcase(ref.name, self.name)
            and (self.release == "*" or _release_of(finding) == self.release)
        )

    def to_json(self) -> dict[str, str]:
        """JSON shape: the patterns, the release and the reason."""
        return {
            "check": self.check,
            "release": self.release,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "reason": self.reason,
        }


def _release_of(finding: Finding) -> str | None:
    """The Helm release a finding's object was rendered by, when it came from one."""
    source = finding.path
    return source.removeprefix("helm/") if source.startswith("helm/") else None


@dataclass(frozen=True)
class Policy:
    """What one environment's security gate refuses."""

    environment: str
    fail_on: Severity | None
    pod_security: Level | None
    always_block: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    exemptions: tuple[Exemption, ...] = ()

    def exempt(self, findings: Iterable[Finding]) -> tuple[Finding, ...]:
        """`findings` with the stack's exemptions marked (annotation exemptions are kept)."""
        out = []
        for found in findings:
            rule = next((e for e in self.exemptions if e.matches(found)), None)
            if rule is not None and not found.exempted:
                found = replace(found, exempted=True, exemption_reason=f"{rule.reason} (stack)")
            out.append(found)
        return tuple(out)

    def blocks(self, finding: Finding) -> bool:
        """True when `finding` stops the deploy under this policy."""
        if finding.exempted or finding.check_id in self.ignore:
            return False
        if any(rule.matches(finding) for rule in self.exemptions):
            return False
        if finding.check_id in self.always_block:
            return True
        if self.pod_security is Level.RESTRICTED and finding.check_id in PSS_CHECKS.values():
            return True
        if self.pod_security is Level.BASELINE and finding.check_id == PSS_CHECKS[Level.BASELINE]:
            return True
        return self.fail_on is not None and finding.severity.at_least(self.fail_on)

    def to_json(self) -> dict[str, Any]:
        """JSON shape of the policy (shown with every verdict)."""
        return {
            "environment": self.environment,
            "fail_on": self.fail_on.value if self.fail_on else None,
            "pod_security": self.pod_security.value if self.pod_security else None,
            "always_block": sorted(self.always_block),
            "ignore": sorted(self.ignore),
            "exemptions": [e.to_json() for e in self.exemptions],
        }


DEFAULTS: Mapping[str, Policy] = {
    "development": Policy("development", fail_on=None, pod_security=None),
    "staging": Policy("staging", fail_on=Severity.HIGH, pod_security=Level.BASELINE),
    "production": Policy("production", fail_on=Severity.MEDIUM, pod_security=Level.RESTRICTED),
}


def _ids(value: object, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be a list of check IDs", hint='e.g. ["UD-K8S-022"]')
    return frozenset(str(v).strip().upper() for v in value)


def _exemptions(value: object, where: str) -> tuple[Exemption, ...]:
    if value is None:
        return ()
    example = '[{check: UD-K8S-031, kind: ClusterRole, name: "cert-manager*", reason: "…"}]'
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be a list of exemptions", hint=f"e.g. {example}")
    out = []
    for index, item in enumerate(value):
        entry = item if isinstance(item, Mapping) else {}
        if not entry.get("check") or not str(entry.get("reason") or "").strip():
            raise ConfigError(
                f"{where}[{index}] needs a check and a reason", hint=f"e.g. {example}"
            )
        unknown = set(entry) - {"check", "reason", "kind", "namespace", "name", "release"}
        if unknown:
            raise ConfigError(
                f"{where}[{index}] has unknown keys: {', '.join(sorted(unknown))}",
                hint="use check, reason, kind, namespace, name, release",
            )
        fields = {k: str(entry[k]) for k in ("kind", "namespace", "name", "release") if k in entry}
        out.append(Exemption(str(entry["check"]).upper(), str(entry["reason"]).strip(), **fields))
    return tuple(out)


def _layer(policy: Policy, values: Mapping[str, Any], where: str) -> Policy:
    fail_on, pod_security = policy.fail_on, policy.pod_security
    always, ignore = set(policy.always_block), set(policy.ignore)
    if "failOn" in values:
        raw = values["failOn"]
        report = raw is None or raw is False or str(raw).lower() in REPORT_ONLY
        fail_on = None if report else Severity.parse(str(raw), what=f"{where}.failOn")
    if "podSecurity" in values:
        raw = values["podSecurity"]
        if raw is None or str(raw).lower() in (*REPORT_ONLY, Level.PRIVILEGED.value):
            pod_security = None
        else:
            try:
                pod_security = Level(str(raw).lower())
            except ValueError:
                raise ConfigError(
                    f"{where}.podSecurity {raw!r} is not a Pod Security level",
                    hint="use baseline, restricted or none",
                ) from None
    if "enforceNetworkPolicies" in values:
        if values["enforceNetworkPolicies"] is True:
            always.add(NETWORK_POLICY_CHECK)
        else:
            always.discard(NETWORK_POLICY_CHECK)
    always |= _ids(values.get("block"), f"{where}.block")
    ignore |= _ids(values.get("ignore"), f"{where}.ignore")
    exemptions = policy.exemptions + _exemptions(values.get("exempt"), f"{where}.exempt")
    return Policy(
        policy.environment,
        fail_on,
        pod_security,
        frozenset(always),
        frozenset(ignore),
        exemptions,
    )


def policy_for(
    environment: str,
    security: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    release_exemptions: Iterable[Mapping[str, Any]] = (),
) -> Policy:
    """The policy of `environment`: defaults, then `global.security` values, then stack overrides.

    Keys understood at both layers: failOn (severity or none), podSecurity (baseline, restricted,
    none), enforceNetworkPolicies (bool), block and ignore (lists of check IDs), and exempt (a
    list of {check, reason, kind, namespace, name, release} with shell-style patterns).
    Environments without built-in defaults start from staging's. `release_exemptions` are the
    ones each release of the stack declares for itself (they hold in every environment).
    """
    base = DEFAULTS.get(environment, DEFAULTS["staging"])
    exemptions = _exemptions(list(release_exemptions), "releases[].securityExemptions")
    policy = Policy(environment, base.fail_on, base.pod_security, exemptions=exemptions)
    if security:
        policy = _layer(policy, security, "global.security")
    if overrides:
        policy = _layer(policy, overrides, "security")
    return policy


@dataclass(frozen=True)
class Verdict:
    """The outcome of applying a policy to findings."""

    policy: Policy
    blocking: tuple[Finding, ...]
    reported: int

    @property
    def passed(self) -> bool:
        """True when nothing blocks."""
        return not self.blocking

    def summary(self) -> str:
        """One line naming what blocks, most frequent check first."""
        env = self.policy.environment or "this scan"
        if self.passed:
            return f"security gate passed for {env} ({self.reported} reported)"
        counts = Counter(f.check_id for f in self.blocking).most_common(5)
        listed = ", ".join(f"{cid} x{n}" if n > 1 else cid for cid, n in counts)
        return f"security gate refused {env}: {len(self.blocking)} blocking finding(s) ({listed})"

    def raise_if_blocked(self) -> None:
        """Raise GateError when something blocks (the deploy phase calls this)."""
        if not self.passed:
            raise GateError(
                self.summary(),
                hint="fix them, or exempt them with a reason: the release's securityExemptions in "
                "stack.yaml (charts you do not author), or the unideploy.io/exempt and "
                "unideploy.io/exempt-reason annotations (charts you do)",
            )

    def to_json(self) -> dict[str, Any]:
        """JSON shape of a verdict."""
        return {
            "policy": self.policy.to_json(),
            "passed": self.passed,
            "blocking": [f.to_json() for f in self.blocking],
            "reported": self.reported,
        }


def evaluate(findings: Iterable[Finding], policy: Policy) -> Verdict:
    """Apply `policy` to `findings` (its stack exemptions included, whether marked yet or not)."""
    found = list(policy.exempt(findings))
    blocking = tuple(f for f in found if policy.blocks(f))
    return Verdict(policy, blocking, reported=sum(1 for f in found if not f.exempted))
