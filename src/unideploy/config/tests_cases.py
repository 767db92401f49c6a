"""The kinds of integration test stack.yaml may declare: http, tcp, dns, k8s, perf, security.

Pure pydantic models (frozen, camelCase keys, unknown keys refused); tests_model.py parses the
`tests:` section into them and reports errors at their stack.yaml line.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from unideploy.config.refs import references_in

JSON_PATH = re.compile(r"^\$?(\.?[A-Za-z0-9_\-]+|\[\d+\])+$")
CHECK_ID = re.compile(r"^UD-[A-Z0-9]+-\d{3}$")
SEVERITIES = ("low", "medium", "high", "critical", "none")


class Category(StrEnum):
    """The five categories of integration tests, in report order."""

    INFRASTRUCTURE = "infrastructure"
    CONNECTIVITY = "connectivity"
    APPLICATION = "application"
    PERFORMANCE = "performance"
    SECURITY = "security"

    @property
    def label(self) -> str:
        """The category as people read it."""
        return CATEGORY_TITLES[self]


CATEGORY_TITLES = {
    Category.INFRASTRUCTURE: "Infrastructure health",
    Category.CONNECTIVITY: "Service connectivity",
    Category.APPLICATION: "Application functionality",
    Category.PERFORMANCE: "Performance baseline",
    Category.SECURITY: "Security compliance",
}


class OnFailure(StrEnum):
    """What a failing test does to the run in one environment."""

    FAIL = "fail"
    WARN = "warn"


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class ServiceTarget(_Model):
    """An in-cluster Service reached through the API server's service proxy."""

    namespace: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    name: str
    port: int | str = Field(description="Port number or name of the Service port.")
    scheme: Literal["http", "https"] = "http"


class Tls(_Model):
    """How an https URL's certificate is checked."""

    verify: bool = True
    ca_bundle: str | None = Field(None, description="PEM file of trusted CAs, relative to stack.")


class Expect(_Model):
    """What a response must look like."""

    status: int | tuple[int, ...] = 200
    body_contains: tuple[str, ...] = ()
    body_regex: str | None = None
    json_equals: dict[str, Any] = Field(
        {}, description="JSON path (a.b[0].c or $.a.b) → the value it must equal."
    )
    headers: dict[str, str] = Field({}, description="Header → text its value must contain.")
    max_latency_ms: float | None = Field(None, gt=0)

    @field_validator("body_contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("body_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None and not references_in(value):
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @field_validator("json_equals")
    @classmethod
    def _paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        for path in value:
            if not JSON_PATH.match(path):
                raise ValueError(f'"{path}" is not a JSON path; write a.b[0].c or $.a.b')
        return value

    @property
    def statuses(self) -> tuple[int, ...]:
        """The accepted status codes."""
        return self.status if isinstance(self.status, tuple) else (self.status,)


class _Case(_Model):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    category: Category
    description: str | None = None
    environments: tuple[str, ...] = Field((), description="Run only in these (default: all).")
    timeout: float = Field(10.0, gt=0, le=3600, description="Seconds per attempt.")
    retries: int = Field(3, ge=0, le=20, description="Attempts after the first failure.")
    retry_delay: float = Field(5.0, ge=0, le=600, description="Seconds between attempts.")

    def runs_in(self, environment: str) -> bool:
        """True when this case is selected for `environment`."""
        return not self.environments or environment in self.environments


class _HttpTarget(_Model):
    url: str | None = Field(None, pattern=r"^(https?://|\$\{)")
    service: ServiceTarget | None = None
    api_path: str | None = Field(None, pattern=r"^(/|\$\{)", description="API server path.")
    path: str = Field("/", description="Path under the Service (service targets only).")
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = {}
    body: str | None = None
    tls: Tls = Tls()

    @model_validator(mode="after")
    def _one_target(self) -> _HttpTarget:
        given = [k for k in ("url", "service", "api_path") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of url, service or apiPath")
        return self


class HttpTest(_Case, _HttpTarget):
    """An HTTP request and what its response must be."""

    kind: Literal["http"]
    expect: Expect = Expect()


class TcpTest(_Case):
    """A TCP connect to host:port, or to the cluster's API server."""

    kind: Literal["tcp"]
    host: str | None = None
    port: int | str | None = None
    api_server: bool = Field(False, description="Connect to the API server of the kubeconfig.")
    timeout: float = Field(2.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _target(self) -> TcpTest:
        if self.api_server == (self.host is not None):
            raise ValueError("give host and port, or apiServer: true")
        if self.host is not None and self.port is None:
            raise ValueError("a tcp test with a host needs its port")
        return self


class DnsTest(_Case):
    """Resolve a host name; optionally require the addresses it must resolve to."""

    kind: Literal["dns"]
    host: str
    family: Literal["any", "ipv4", "ipv6"] = "any"
    addresses: tuple[str, ...] = Field((), description="Each must be among the answers.")


K8sCheck = Literal[
    "nodes-ready",
    "workloads-available",
    "pods-ready",
    "endpoints-ready",
    "pvcs-bound",
    "certificates-ready",
]


class K8sTest(_Case):
    """A readiness check read from the cluster (nodes, workloads, pods, endpoints, PVCs, certs)."""

    kind: Literal["k8s"]
    check: K8sCheck
    namespace: str | None = Field(None, description="Namespace (required except nodes-ready).")
    names: tuple[str, ...] = Field((), description="Objects to check (default: every one found).")
    selector: str | None = Field(None, description="Label selector, e.g. app=web.")
    min_count: int = Field(1, ge=0, description="At least this many objects must exist.")

    @model_validator(mode="after")
    def _namespace(self) -> K8sTest:
        if self.check != "nodes-ready" and self.namespace is None:
            raise ValueError(f"the {self.check} check needs a namespace")
        return self


class Budget(_Model):
    """Absolute latency limits, in milliseconds."""

    p50_ms: float | None = Field(None, gt=0)
    p95_ms: float | None = Field(None, gt=0)
    p99_ms: float | None = Field(None, gt=0)


class Baseline(_Model):
    """The stored baseline and how far a run may stray from it."""

    file: str | None = Field(None, description="Default: <baselines>/<environment>/<test>.json.")
    tolerance: float = Field(0.5, ge=0, description="Allowed slowdown: 0.5 = 50 % over baseline.")
    slack_ms: float = Field(5.0, ge=0, description="Absolute slack added to every limit.")


class PerfTest(_Case, _HttpTarget):
    """N requests at concurrency C; percentiles and error rate vs a budget and a baseline."""

    kind: Literal["perf"]
    requests: int = Field(50, ge=1, le=100_000)
    concurrency: int = Field(5, ge=1, le=256)
    max_error_rate: float = Field(0.0, ge=0, le=1)
    expect_status: tuple[int, ...] = (200,)
    budget: Budget = Budget()
    baseline: Baseline | None = Baseline()
    timeout: float = Field(60.0, gt=0, le=3600)


class SecurityTest(_Case):
    """The security checks run as a test over rendered releases, manifests or the live cluster."""

    kind: Literal["security"]
    scope: Literal["releases", "manifests", "cluster"] = "releases"
    releases: tuple[str, ...] = Field((), description="Releases to render (default: all).")
    paths: tuple[str, ...] = Field((), description="Manifest files or directories (manifests).")
    fail_on: str | None = Field(None, description="Severity that fails, or none (default: env).")
    checks: tuple[str, ...] = Field((), description="Only these check IDs (default: all).")
    timeout: float = Field(120.0, gt=0, le=3600)

    @field_validator("checks")
    @classmethod
    def _ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for check in value:
            if not CHECK_ID.match(check):
                raise ValueError(f'"{check}" is not a check ID such as UD-K8S-001')
        return value

    @field_validator("fail_on")
    @classmethod
    def _severity(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in SEVERITIES:
            raise ValueError(f"use one of {', '.join(SEVERITIES)}")
        return value.lower() if value is not None else None

    @model_validator(mode="after")
    def _scope(self) -> SecurityTest:
        if self.scope == "manifests" and not self.paths:
            raise ValueError("scope manifests needs paths")
        return self


TestCase = HttpTest | TcpTest | DnsTest | K8sTest | PerfTest | SecurityTest
KINDS: dict[str, type[TestCase]] = {
    "http": HttpTest,
    "tcp": TcpTest,
    "dns": DnsTest,
    "k8s": K8sTest,
    "perf": PerfTest,
    "security": SecurityTest,
}
