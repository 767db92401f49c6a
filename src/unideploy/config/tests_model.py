"""The `tests:` section of stack.yaml: declarative integration tests, checked before any run.

Input: the loaded Stack (its `tests` mapping and source positions). Output: a frozen TestSuite of
http / tcp / dns / k8s / perf / security cases; every bad definition is a ConfigError at its
stack.yaml line. `${…}` references stay in the cases until a run resolves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field, ValidationError

from unideploy.config.refs import REFERENCE, RefContext, problem_with, references_in, resolve
from unideploy.config.stack import Stack
from unideploy.config.suggest import hint_for
from unideploy.config.tests_cases import (
    CATEGORY_TITLES,
    KINDS,
    Category,
    DnsTest,
    HttpTest,
    K8sTest,
    OnFailure,
    PerfTest,
    SecurityTest,
    TcpTest,
    TestCase,
    _Model,
)
from unideploy.config.validation import to_config_error
from unideploy.config.yamlsafe import Positions
from unideploy.errors import ConfigError

__all__ = [
    "CATEGORY_TITLES",
    "KINDS",
    "Category",
    "DnsTest",
    "HttpTest",
    "K8sTest",
    "OnFailure",
    "PerfTest",
    "SecurityTest",
    "TcpTest",
    "TestCase",
    "TestSuite",
    "TestsSection",
    "parse_tests",
    "resolve_case",
]


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
