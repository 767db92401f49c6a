"""The `tests:` section of stack.yaml: declarative integration tests, checked before any run.

Input: the loaded Stack (its `tests` mapping and source positions). Output: a frozen TestSuite of
http / tcp / dns / k8s / perf / security cases; every bad definition is a ConfigError at its
stack.yaml line. `${…}` references stay in the cases until a run resolves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from unideploy.config.refs import REFERENCE, RefContext, problem_with, references_in, resolve
from unideploy.config.stack import Stack
from unideploy.config.suggest import hint_for
from unideploy.config.validation import to_config_error
from unideploy.config.yamlsafe import Positions
from unideploy.errors import ConfigError

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


class TestsSection(_Model):
    """The whole `tests:` mapping (cases are checked one by one, by kind)."""

    parallel: int = Field(4, ge=1, le=64, description="Tests running at once.")
    on_failure: dict[str, OnFailure] = Field(
        {}, description="Per environment: fail (default) or warn when a test fails."
    )
    baselines: str = Field("tests/baselines", description="Directory of perf baselines.")
    cases: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class TestSuite:
    """The parsed tests: settings plus cases, each with its index in stack.yaml."""

    __test__: ClassVar[bool] = False  # not a pytest class, despite its name

    parallel: int = 4
    on_failure: tuple[tuple[str, OnFailure], ...] = ()
    baselines: str = "tests/baselines"
    cases: tuple[TestCase, ...] = ()

    def policy(self, environment: str) -> OnFailure:
        """Whether a failing test fails or only warns in `environment`."""
        return dict(self.on_failure).get(environment, OnFailure.FAIL)

    def select(
        self, environment: str, categories: tuple[Category, ...] = ()
    ) -> tuple[TestCase, ...]:
        """The cases that run in `environment`, limited to `categories` when given."""
        return tuple(
            case
            for case in self.cases
            if case.runs_in(environment) and (not categories or case.category in categories)
        )

    def index_of(self, name: str) -> int:
        """Position of the named case in `tests.cases`."""
        return next(i for i, case in enumerate(self.cases) if case.name == name)


def parse_tests(stack: Stack) -> TestSuite:
    """Validate stack.yaml's `tests:` section; raise a ConfigError at the offending line."""
    raw = stack.file.tests
    if not raw:
        return TestSuite()
    try:
        section = TestsSection.model_validate(raw)
    except ValidationError as exc:
        raise to_config_error(exc, TestsSection, _under(stack.positions, ("tests",))) from exc
    for env_name in section.on_failure:
        _known_environment(stack, env_name, ("tests", "onFailure", env_name))
    cases: list[TestCase] = []
    for index, data in enumerate(section.cases):
        case = _parse_case(stack, index, data)
        if any(c.name == case.name for c in cases):
            raise ConfigError(
                f'two tests are named "{case.name}"',
                hint="test names are step IDs (tests/<name>): make them unique",
                location=stack.locate("tests", "cases", index, "name"),
            )
        cases.append(case)
    return TestSuite(
        parallel=section.parallel,
        on_failure=tuple(section.on_failure.items()),
        baselines=section.baselines,
        cases=tuple(cases),
    )


def _parse_case(stack: Stack, index: int, data: dict[str, Any]) -> TestCase:
    at = ("tests", "cases", index)
    kind = data.get("kind")
    model = KINDS.get(str(kind)) if kind is not None else None
    if model is None:
        label = f'test "{data.get("name", index)}"'
        message = f"{label} has no kind" if kind is None else f'{label}: unknown kind "{kind}"'
        raise ConfigError(
            message,
            hint=hint_for(str(kind or ""), KINDS, "kinds"),
            location=stack.locate(*at, "kind") if kind is not None else stack.locate(*at),
        )
    try:
        case = model.model_validate(data)
    except ValidationError as exc:
        error = to_config_error(exc, model, _under(stack.positions, at))
        name = data.get("name", f"#{index + 1}")
        message = error.message.replace("(top level): ", "")
        hint = (error.hint or "").replace("the top level", f'test "{name}"') or None
        raise ConfigError(f'test "{name}": {message}', hint=hint, location=error.location) from exc
    for position, env_name in enumerate(case.environments):
        _known_environment(stack, env_name, (*at, "environments", position))
    _check_references(stack, data, at)
    return case


def _known_environment(stack: Stack, name: str, at: tuple[str | int, ...]) -> None:
    if name not in stack.file.environments:
        raise ConfigError(
            f'tests refer to environment "{name}", which is not defined',
            hint=hint_for(name, stack.file.environments, "environments"),
            location=stack.locate(*at),
        )


def _check_references(stack: Stack, value: Any, at: tuple[str | int, ...]) -> None:
    """Refuse references that can never resolve (bad root, unknown module); globals wait for env."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_references(stack, item, (*at, key))
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check_references(stack, item, (*at, position))
    elif isinstance(value, str):
        modules = frozenset(m.name for m in stack.file.terraform.modules)
        probe = RefContext("", {}, modules)
        for expression in references_in(value):
            if expression.startswith("global."):
                continue
            problem = problem_with(expression, probe)
            if problem is not None:
                raise ConfigError(problem, location=stack.locate(*at))


def resolve_case(case: TestCase, refs: RefContext) -> TestCase:
    """The case with every `${…}` reference replaced; ConfigError names one that cannot be."""
    data = case.model_dump(by_alias=True, exclude_none=True)
    for expression in sorted(set(_all_references(data))):
        problem = problem_with(expression, refs)
        if problem is not None:
            raise ConfigError(f'test "{case.name}": {problem}')
    resolved = resolve(data, refs)
    left = sorted(set(_all_references(resolved)))
    if left:
        raise ConfigError(
            f'test "{case.name}": "${{{left[0]}}}" has no value yet',
            hint="Terraform outputs exist once the terraform phase has applied the module",
        )
    try:
        return type(case).model_validate(resolved)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f'test "{case.name}": after references were resolved, {where}: {first["msg"]}'
        ) from exc


def _all_references(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _all_references(item)]
    if isinstance(value, list | tuple):
        return [ref for item in value for ref in _all_references(item)]
    if isinstance(value, str):
        return [m.group(1).strip() for m in REFERENCE.finditer(value)]
    return []


def _under(positions: Positions, prefix: tuple[str | int, ...]) -> Positions:
    """The positions of the values under `prefix`, with paths relative to it."""
    size = len(prefix)
    return Positions(
        positions.path,
        {k[size:]: v for k, v in positions.values.items() if tuple(k[:size]) == prefix},
        {k[size:]: v for k, v in positions.keys.items() if tuple(k[:size]) == prefix},
    )
