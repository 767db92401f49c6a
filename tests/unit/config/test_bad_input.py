"""Bad input is a config error: file:line:col, a hint, exit code 2, no traceback, nothing else."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.support.stacks import MINI_STACK

from unideploy.cli.main import main
from unideploy.exitcodes import ExitCode

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

# Far deeper than the nesting limit (200): without it, composing this exhausts Python's stack.
DEEP = "[" * 5000 + "]" * 5000


@dataclass(frozen=True)
class Case:
    """One way to break the mini stack, and what the user must be told."""

    name: str
    message: str
    where: str | None
    stack: str | None = None
    replace: tuple[tuple[str, str], ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ("validate",)
    hint: str | None = None


def _swap(*pairs: tuple[str, str]) -> str:
    text = MINI_STACK
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


CASES = [
    Case("malformed yaml", "malformed YAML", r"stack\.yaml:\d+:\d+", stack="a: [1,\nb: 2\n"),
    Case("tab indentation", "malformed YAML", r"stack\.yaml:\d+:\d+", stack="a:\n\t- b\n"),
    Case(
        "duplicate key",
        'duplicate key "name"',
        r"stack\.yaml:3:1",
        stack=_swap(("name: mini\n", "name: mini\nname: other\n")),
    ),
    Case("alias bomb", "too many values", r"stack\.yaml:\d+:\d+", stack=BOMB),
    Case(
        "python tag",
        "is not allowed",
        r"stack\.yaml:2:7",
        stack="apiVersion: unideploy.io/v1\nname: !!python/object:os.system x\n",
    ),
    Case("not a mapping", "must be a mapping", r"stack\.yaml:1:1", stack="- a\n- b\n"),
    Case(
        "unknown top-level key",
        'unknown key "relases"',
        r"stack\.yaml:15:1",
        replace=(("releases:", "relases:"),),
        hint='did you mean "releases"',
    ),
    Case(
        "unknown release key",
        'unknown key "namspace"',
        r"stack\.yaml:17:5",
        replace=(("    namespace: edge", "    namspace: edge"),),
        hint='did you mean "namespace"',
    ),
    Case(
        "unknown environment key",
        'unknown key "approvl"',
        r"stack\.yaml:9:5",
        replace=(("    approval: required", "    approvl: required"),),
        hint='did you mean "approval"',
    ),
    Case(
        "timeout not a number",
        "timeout",
        r"stack\.yaml:\d+:\d+",
        replace=(("    tier: infrastructure\n", "    tier: infrastructure\n    timeout: soon\n"),),
        hint="whole number",
    ),
    Case(
        "needs not a list",
        "needs",
        r"stack\.yaml:\d+:\d+",
        replace=(("needs: [api]", "needs: api"),),
    ),
    Case(
        "environments is a list",
        "environments",
        r"stack\.yaml:\d+:\d+",
        stack="apiVersion: unideploy.io/v1\nenvironments: [development]\n",
    ),
    Case("missing environments", 'missing required key "environments"', None, stack="name: x\n"),
    Case(
        "wrong apiVersion",
        "apiVersion",
        r"stack\.yaml:1:13",
        replace=(("apiVersion: unideploy.io/v1", "apiVersion: unideploy.io/v9"),),
    ),
    Case(
        "approval not an option",
        "approval",
        r"stack\.yaml:9:15",
        replace=(("approval: required", "approval: sometimes"),),
    ),
    Case(
        "kubernetesVersion malformed",
        "kubernetesVersion",
        r"stack\.yaml:\d+:\d+",
        replace=(("    approval: required", '    kubernetesVersion: "v1.36"'),),
    ),
    Case(
        "release name not DNS",
        "name",
        r"stack\.yaml:16:11",
        replace=(("  - name: ingress", "  - name: Ingress_Controller"),),
        hint="lowercase",
    ),
    Case(
        "missing environment values file",
        'values file "env/staging.yaml" of environment "production" does not exist',
        r"stack\.yaml:8:14",
        replace=(("values: [env/production.yaml]", "values: [env/staging.yaml]"),),
    ),
    Case(
        "missing release values file",
        'values file "values/nope.yaml" of release "ingress" does not exist',
        r"stack\.yaml:20:14",
        replace=(("values: [values/ingress.yaml]", "values: [values/nope.yaml]"),),
    ),
    Case(
        "undefined need",
        'needs "ap", which is not defined',
        r"stack\.yaml:30:13",
        replace=(("needs: [api]", "needs: [ap]"),),
        hint='did you mean "api"',
    ),
    Case(
        "cyclic needs",
        "cycle: api → web → api",
        r"stack\.yaml:\d+:\d+",
        replace=(("needs: [edge/ingress]", "needs: [edge/ingress, web]"),),
    ),
    Case(
        "need of a later tier",
        "later tier applications",
        r"stack\.yaml:\d+:\d+",
        replace=(
            (
                "    values: [values/ingress.yaml]",
                "    values: [values/ingress.yaml]\n    needs: [apps/api]",
            ),
        ),
    ),
    Case(
        "need of itself",
        "needs itself",
        r"stack\.yaml:\d+:\d+",
        replace=(("needs: [api]", "needs: [web]"),),
    ),
    Case(
        "unknown tier",
        'tier "aplications", which is not defined',
        r"stack\.yaml:24:11",
        replace=(
            ("    tier: applications\n    needs: [edge", "    tier: aplications\n    needs: [edge"),
        ),
        hint='did you mean "applications"',
    ),
    Case(
        "duplicate release in a namespace",
        'release "web" is defined twice in namespace "apps"',
        r"stack\.yaml:\d+:\d+",
        replace=(("  - name: api\n", "  - name: web\n"),),
    ),
    Case(
        "chart directory without Chart.yaml",
        "has no Chart.yaml",
        r"stack\.yaml:18:19",
        replace=(("chart: {path: charts/app}", "chart: {path: charts/missing}"),),
    ),
    Case(
        "chart with two sources",
        "exactly one of path, repo or oci",
        r"stack\.yaml:18:12",
        replace=(
            (
                "chart: {path: charts/app}",
                "chart: {path: charts/app, oci: oci://r/x, version: 1.0.0}",
            ),
        ),
    ),
    Case(
        "repo chart without version",
        "pinned version",
        r"stack\.yaml:\d+:\d+",
        replace=(
            ("chart: {path: charts/app}", "chart: {repo: https://charts.example, name: app}"),
        ),
    ),
    Case(
        "promoteFrom unknown environment",
        'promotes from "developmnt", which is not defined',
        r"stack\.yaml:10:18",
        replace=(("promoteFrom: development", "promoteFrom: developmnt"),),
        hint='did you mean "development"',
    ),
    Case(
        "terraform module path missing",
        'terraform module directory "tf/nowhere" does not exist',
        r"stack\.yaml:14:13",
        replace=(("path: tf/networking", "path: tf/nowhere"),),
    ),
    Case(
        "terraform override of unknown environment",
        'overrides unknown environment "prod"',
        r"stack\.yaml:\d+:\d+",
        replace=(
            (
                "      path: tf/networking\n",
                "      path: tf/networking\n      environments:\n        prod: {vars: {a: 1}}\n",
            ),
        ),
        hint='did you mean "production"',
    ),
    Case(
        "empty tiers",
        "tiers must not be empty",
        r"stack\.yaml:3:8",
        replace=(("tiers: [infrastructure, applications]", "tiers: []"),),
    ),
    Case(
        "environment that does not exist",
        'environment "prod" is not defined',
        None,
        args=("validate", "-e", "prod"),
        hint='did you mean "production"',
    ),
    Case(
        "plan of an environment that does not exist",
        'environment "stagin" is not defined',
        None,
        args=("plan", "-e", "stagin"),
    ),
    Case(
        "unknown block in environment values",
        '"wbe" is neither "global" nor the name of a release',
        r"env/development\.yaml:6:1",
        files={
            "env/development.yaml": "global:\n  domain: d\n  replicas:\n    min: 1\n"
            "\nwbe:\n  a: 1\n"
        },
        hint='did you mean "web"',
    ),
    Case(
        "malformed environment values",
        "malformed YAML",
        r"env/production\.yaml:\d+:\d+",
        files={"env/production.yaml": "global: {a: [1, 2}\n"},
    ),
    Case(
        "bad reference root",
        '"${globl.domain}" is not a reference',
        r"values/ingress\.yaml:1:7",
        files={"values/ingress.yaml": "pool: ${globl.domain}\n"},
    ),
    Case(
        "reference to a missing global key",
        "no such key in the global values",
        r"values/ingress\.yaml:1:7",
        files={"values/ingress.yaml": "host: app.${global.domian}\n"},
    ),
    Case(
        "reference to an undefined terraform module",
        'terraform module "netwrk" is not defined',
        r"values/ingress\.yaml:1:7",
        files={"values/ingress.yaml": "pool: ${terraform.netwrk.pool}\n"},
    ),
    Case(
        "inline values with a bad reference",
        '"${env.nam}": only env.name exists',
        r"stack\.yaml:32:17",
        replace=(("${env.name}", "${env.nam}"),),
    ),
    Case(
        "--set without a value",
        '--set "global.replicas": key "replicas" has no value (Helm\'s parser)',
        None,
        args=("validate", "-e", "development", "--set", "global.replicas"),
    ),
    Case(
        "--set with a bad list index",
        "error parsing index",
        None,
        args=("validate", "-e", "development", "--set", "web.hosts[x]=a"),
        hint="KEY.PATH=VALUE",
    ),
    Case(
        "--set that sets nothing",
        '--set "=…" sets no value',
        None,
        args=("validate", "-e", "development", "--set", "=1"),
    ),
    Case(
        "--set-json with broken JSON",
        '--set-json "web.resources=…": unexpected EOF',
        None,
        args=("validate", "-e", "development", "--set-json", 'web.resources={"limits":'),
    ),
    Case(
        "--set-file of a missing file",
        "no such file or directory",
        None,
        args=("validate", "-e", "development", "--set-file", "web.config=missing.txt"),
    ),
    Case(
        "--set of an unknown release",
        '"wbe" is neither "global" nor a release',
        None,
        args=("validate", "-e", "development", "--set", "wbe.replicas=2"),
    ),
    Case(
        "values file not UTF-8",
        "not UTF-8",
        r"env/development\.yaml",
        files={"env/development.yaml": "global:\n  domain: \udcff\n"},
    ),
    Case(
        "stack.yaml nested too deep",
        "nesting deeper than 200 levels",
        r"stack\.yaml:1:\d+",
        stack=f"a: {DEEP}\n",
        hint="at most 200 deep",
    ),
    Case(
        "tests section nested too deep",
        "nesting deeper than 200 levels",
        r"stack\.yaml:\d+:\d+",
        stack=MINI_STACK + f"tests:\n  cases:\n    - {{name: deep, kind: http, url: {DEEP}}}\n",
        args=("test", "-e", "development"),
    ),
    Case(
        "environment values nested too deep",
        "nesting deeper than 200 levels",
        r"env/development\.yaml:2:\d+",
        files={"env/development.yaml": f"global:\n  domain: {DEEP}\n"},
        args=("validate", "-e", "development"),
    ),
    Case(
        "release values nested too deep",
        "nesting deeper than 200 levels",
        r"values/ingress\.yaml:1:\d+",
        files={"values/ingress.yaml": f"pool: {DEEP}\n"},
    ),
    Case(
        "--values file nested too deep",
        "nesting deeper than 200 levels",
        r"extra\.yaml:2:\d+",
        files={"extra.yaml": f"web:\n  replicas: {DEEP}\n"},
        args=("plan", "-e", "development", "--values", "extra.yaml"),
    ),
    Case(
        "--set-json value nested too deep",
        "nesting deeper than 200 levels",
        None,
        args=("validate", "-e", "development", "--set-json", f"web.replicas={DEEP}"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_a_located_config_error(
    case: Case,
    make_stack: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = case.stack if case.stack is not None else _swap(*case.replace) if case.replace else None
    files = {name: content for name, content in case.files.items() if "\udcff" not in content}
    root = make_stack(text, files)
    for name, content in case.files.items():
        if "\udcff" in content:
            (root / name).write_bytes(content.encode("utf-8", "surrogateescape"))
    monkeypatch.chdir(root)

    started = time.process_time()  # CPU seconds of this process: a busy machine does not count
    code = main(list(case.args))
    cpu = time.process_time() - started
    err = capsys.readouterr().err

    assert code == ExitCode.CONFIG_ERROR, err
    assert case.message in err, err
    if case.where:
        assert re.search(r"error: " + case.where, err), err
    assert "hint:" in err, err
    if case.hint:
        assert case.hint in err, err
    assert "Traceback" not in err
    assert cpu < 1.0


def test_there_are_at_least_thirty_bad_input_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)
