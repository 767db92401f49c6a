"""`--set` and friends follow Helm's strvals syntax: compared with the Helm SDK's own parser."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import helm_python as hp
import pytest

from unideploy.cli.main import main
from unideploy.config.layering import load_environment_values, release_values
from unideploy.config.load import load_stack
from unideploy.config.set_values import SetExpression, in_helm_order, parse_set_expression
from unideploy.errors import ConfigError
from unideploy.exitcodes import ExitCode

SET_CASES = {
    "escaped-dot": r"web.podAnnotations.prometheus\.io/scrape=true",
    "escaped-dot-mid-key": r"web.b\.c=1",
    "list-index-then-key": "web.hosts[0].name=a,web.hosts[1].name=b",
    "braces-list": "web.ports={80,443}",
    "typed-scalars": "web.a=1,web.b=010,web.c=1.5,web.d=null,web.e=false,web.f=",
    "value-with-equals": "web.url=http://x:8080/a=b",
    "escaped-comma": r"web.list=a\,b",
}


@pytest.mark.parametrize("expression", SET_CASES.values(), ids=SET_CASES.keys())
def test_set_reads_as_helm_reads(expression: str) -> None:
    assert parse_set_expression(expression) == hp.parse_set_string(expression)


def test_escaped_dot_makes_one_key() -> None:
    assert parse_set_expression(r"web.b\.c=1") == {"web": {"b.c": 1}}


def test_set_string_set_json_and_set_file(tmp_path: Path) -> None:
    config = tmp_path / "config.txt"
    config.write_text("line one\nline two\n")
    assert parse_set_expression(SetExpression("web.port=80", "string")) == {"web": {"port": "80"}}
    assert parse_set_expression(SetExpression('web.r={"a":[1,2]}', "json")) == {
        "web": {"r": {"a": [1, 2]}}
    }
    assert parse_set_expression(SetExpression(f"web.config={config}", "file")) == {
        "web": {"config": "line one\nline two\n"}
    }


def test_flags_apply_in_helms_order() -> None:
    ordered = in_helm_order({"file": ["d=1"], "string": ["c=1"], "set": ["b=1"], "json": ["a=1"]})
    assert [(str(e), getattr(e, "kind", "")) for e in ordered] == [
        ("a=1", "json"),
        ("b=1", "set"),
        ("c=1", "string"),
        ("d=1", "file"),
    ]


def test_a_key_with_dots_reaches_the_release(make_stack: Callable[..., Path]) -> None:
    stack = load_stack(make_stack())
    env = load_environment_values(
        stack,
        "development",
        sets=(r"web.podAnnotations.prometheus\.io/scrape=true", "web.hosts[0].name=a"),
    )
    web = next(r for r in stack.file.releases if r.name == "web")
    values: dict[str, Any] = release_values(stack, env, web)
    assert values["podAnnotations"] == {"prometheus.io/scrape": True}
    assert values["hosts"] == [{"name": "a"}]


def test_a_secret_value_never_appears_in_the_error() -> None:
    secret = "s3cr3t-p4ssw0rd-value"
    with pytest.raises(ConfigError) as caught:
        parse_set_expression(SetExpression(f'web.db={{"password": "{secret}"', "json"))
    assert secret not in caught.value.render()


def test_cli_set_json_and_escaped_key_end_to_end(
    make_stack: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(make_stack())
    code = main(
        [
            "plan",
            "-e",
            "development",
            "--set",
            r"web.podAnnotations.prometheus\.io/scrape=true",
            "--set-json",
            'web.resources={"limits":{"cpu":"1"}}',
            "--set-string",
            "web.tag=1.10",
            "-o",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == ExitCode.OK, err
    assert "Traceback" not in err
    assert json.loads(out)
