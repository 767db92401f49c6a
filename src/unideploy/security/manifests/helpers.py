"""Small shared readers for checks: image references, RBAC rules and subjects, resource settings.

Pure helpers over already-parsed objects; they keep each check file down to its one decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from unideploy.security.manifests.objects import Container, K8sObject, as_list, as_map

RUN_TO_COMPLETION_KINDS = frozenset({"Job", "CronJob"})


@dataclass(frozen=True)
class ImageRef:
    """An image reference split into repository, tag and digest."""

    repository: str
    tag: str | None
    digest: str | None


def parse_image(image: str) -> ImageRef:
    """Split `registry:5000/repo/name:tag@sha256:…` into parts (a registry port is no tag)."""
    rest, _, digest = image.partition("@")
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        return ImageRef(rest[:colon], rest[colon + 1 :] or None, digest or None)
    return ImageRef(rest, None, digest or None)


@dataclass(frozen=True)
class Rule:
    """One RBAC policy rule, lower-cased."""

    api_groups: frozenset[str]
    resources: frozenset[str]
    verbs: frozenset[str]
    non_resource_urls: frozenset[str]

    def grants(self, verbs: set[str], resource: str, group: str | None = None) -> bool:
        """True when the rule grants any of `verbs` on `resource` (wildcards count).

        `group` is the resource's API group ("" for core); a rule naming other groups only does
        not grant it (a rule without apiGroups is read as core). `*/exec` and `pods/*` match
        subresources as the RBAC authorizer does.
        """
        verb_hit = bool(self.verbs & verbs) or "*" in self.verbs
        if not verb_hit:
            return False
        if group is not None and self.api_groups and not self.api_groups & {group, "*"}:
            return False
        if resource in self.resources or "*" in self.resources:
            return True
        base, _, sub = resource.partition("/")
        return bool(sub) and bool(self.resources & {f"*/{sub}", f"{base}/*"})

    def everything(self) -> bool:
        """True for the cluster-admin rule: every verb on every resource of every group."""
        return {"*"} <= self.verbs and {"*"} <= self.resources and {"*"} <= self.api_groups


def rules_of(obj: K8sObject) -> Iterator[Rule]:
    """The policy rules of a Role or ClusterRole."""
    for raw in as_list(obj.raw.get("rules")):
        rule = as_map(raw)

        def field(key: str, rule: dict[str, Any] = rule) -> frozenset[str]:
            return frozenset(str(v).lower() for v in as_list(rule.get(key)))

        yield Rule(field("apiGroups"), field("resources"), field("verbs"), field("nonResourceURLs"))


def risky_grants(obj: K8sObject, verbs: set[str], resources: Sequence[str]) -> Iterator[str]:
    """One message per rule of a non-system role granting any of `verbs` on any of `resources`.

    `resources` may be `["*"]`: then any grant of `verbs` counts, whatever the resource.
    """
    if obj.name.startswith("system:"):
        return
    for index, rule in enumerate(rules_of(obj)):
        granted = sorted(verbs & rule.verbs) or (sorted(verbs) if "*" in rule.verbs else [])
        for resource in resources:
            if granted and (resource == "*" or rule.grants(verbs, resource, "")):
                target = "" if resource == "*" else f" on {resource}"
                yield f"rule {index} grants {'/'.join(granted)}{target}"
                break


BROAD_GROUPS = frozenset(
    {"system:authenticated", "system:unauthenticated", "system:anonymous"}
    | {"system:serviceaccounts"}
)


def is_system_subject(subject: dict[str, Any]) -> bool:
    """True for subjects Kubernetes itself manages (system: users/groups, kube-system accounts).

    The broad groups (every user, anonymous, every service account) are not: a grant to them
    is a grant to everyone.
    """
    name = str(subject.get("name", ""))
    if name in BROAD_GROUPS or name.startswith("system:serviceaccounts:"):
        return False
    if name.startswith("system:"):
        return True
    return subject.get("kind") == "ServiceAccount" and subject.get("namespace") == "kube-system"


def subjects_of(obj: K8sObject) -> list[dict[str, Any]]:
    """The subjects of a RoleBinding or ClusterRoleBinding."""
    return [as_map(s) for s in as_list(obj.raw.get("subjects"))]


def describe_subject(subject: dict[str, Any]) -> str:
    """`ServiceAccount ns/name` style text for messages."""
    ns = subject.get("namespace")
    prefix = f"{ns}/" if ns else ""
    return f"{subject.get('kind', '?')} {prefix}{subject.get('name', '?')}"


def missing_resource(
    container: Container, setting: Literal["requests", "limits"], resource: Literal["cpu", "memory"]
) -> str | None:
    """The message when `container` sets no `resources.<setting>.<resource>`, else None.

    A limit alone satisfies a request (Kubernetes copies it into the request); ephemeral
    containers are never asked, as the API forbids resources on them.
    """
    if container.role == "ephemeralContainer":
        return None
    limit = as_map(container.resources.get("limits")).get(resource)
    if setting == "limits":
        return f"resources.limits.{resource} is not set" if limit in (None, "") else None
    request = as_map(container.resources.get("requests")).get(resource)
    if request in (None, "") and limit in (None, ""):
        return f"resources.requests.{resource} is not set (nor a limit)"
    return None


# Capabilities that break the container boundary or the node's network (kubescape C-0046's
# insecure list, Polaris' dangerous list, plus DAC_READ_SEARCH of the "shocker" escape).
DANGEROUS_CAPABILITIES = frozenset(
    {"ALL", "SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO"}
    | {"SYS_BOOT", "MAC_ADMIN", "MAC_OVERRIDE", "SETPCAP", "PERFMON", "BPF", "DAC_READ_SEARCH"}
)
