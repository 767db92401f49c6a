"""The tests: section of stack.yaml: defaults, selection, references, errors at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from unideploy.config.load import load_stack
from unideploy.config.refs import RefContext
from unideploy.config.tests_model import (
    Category,
    HttpTest,
    OnFailure,
    PerfTest,
    TcpTest,
    parse_tests,
    resolve_case,
)
from unideploy.errors import ConfigError

HEAD = """\
apiVersion: unideploy.io/v1
environments:
  development: {values: [dev.yaml]}
  production: {values: [dev.yaml]}
terraform:
  modules:
    - {name: networking, path: tf}
tests:
"""


def write(tmp_path: Path, tests: str) -> Path:
    (tmp_path / "dev.yaml").write_text("global:\n  domain: dev.lab\n")
    (tmp_path / "tf").mkdir(exist_ok=True)
    (tmp_path / "stack.yaml").write_text(HEAD + tests)
    return tmp_path / "stack.yaml"


def error_of(tmp_path: Path, tests: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_stack(write(tmp_path, tests))
    return caught.value


GOOD = """\
  parallel: 2
  onFailure: {development: warn}
  cases:
    - name: web
      category: application
      kind: http
      url: https://grafana.${global.domain}/api/health
      expect: {bodyContains: ok, jsonEquals: {database: ok}}
    - name: api-latency
      category: performance
      kind: perf
      apiPath: /readyz
      environments: [production]
    - name: nodes
      category: infrastructure
      kind: k8s
      check: nodes-ready
    - name: pool
      category: connectivity
      kind: tcp
      host: ${terraform.networking.lb_address}
      port: 443
"""


def test_good_tests_parse_with_the_documented_defaults(tmp_path: Path) -> None:
    suite = parse_tests(load_stack(write(tmp_path, GOOD)))

    web = suite.cases[0]
    assert isinstance(web, HttpTest)
    assert (web.retries, web.retry_delay, web.timeout) == (3, 5.0, 10.0)
    assert web.expect.statuses == (200,)
    assert web.expect.body_contains == ("ok",)
    assert suite.parallel == 2
    assert suite.policy("development") is OnFailure.WARN
    assert suite.policy("production") is OnFailure.FAIL
    assert isinstance(suite.cases[1], PerfTest)
    assert suite.cases[1].requests == 50


def test_selection_by_environment_and_category(tmp_path: Path) -> None:
    suite = parse_tests(load_stack(write(tmp_path, GOOD)))

    assert [c.name for c in suite.select("development")] == ["web", "nodes", "pool"]
    assert [c.name for c in suite.select("production", (Category.PERFORMANCE,))] == ["api-latency"]


def test_references_resolve_from_values_and_terraform_outputs(tmp_path: Path) -> None:
    suite = parse_tests(load_stack(write(tmp_path, GOOD)))
    refs = RefContext(
        "development",
        {"domain": "dev.lab"},
        frozenset({"networking"}),
        {"networking": {"lb_address": "10.0.0.7"}},
    )

    web = resolve_case(suite.cases[0], refs)
    pool = resolve_case(suite.cases[3], refs)

    assert isinstance(web, HttpTest)
    assert web.url == "https://grafana.dev.lab/api/health"
    assert isinstance(pool, TcpTest)
    assert pool.host == "10.0.0.7"


def test_a_terraform_output_not_yet_known_is_a_config_error(tmp_path: Path) -> None:
    suite = parse_tests(load_stack(write(tmp_path, GOOD)))
    refs = RefContext("development", {"domain": "dev.lab"}, frozenset({"networking"}), {})

    with pytest.raises(ConfigError, match=r"terraform\.networking\.lb_address.*no value yet"):
        resolve_case(suite.cases[3], refs)


def test_a_missing_global_key_is_named_when_the_test_runs(tmp_path: Path) -> None:
    tests = GOOD.replace("${global.domain}", "${global.nope}")
    suite = parse_tests(load_stack(write(tmp_path, tests)))
    refs = RefContext("development", {"domain": "dev.lab"}, frozenset({"networking"}))

    with pytest.raises(ConfigError, match=r'test "web".*global.nope.*no such key'):
        resolve_case(suite.cases[0], refs)


CASE = """\
  cases:
    - name: web
      category: application
{body}"""


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("      kind: htp\n      url: http://x\n", 12, 'unknown kind "htp"'),
        ("      url: http://x\n", 10, "has no kind"),
        ("      kind: http\n", 10, "exactly one of url, service or apiPath"),
        (
            "      kind: http\n      url: http://x\n      expect:\n        bodyRegex: 'a(('\n",
            15,
            "not a valid regular expression",
        ),
        (
            "      kind: http\n      url: http://x\n      expect:\n"
            "        jsonEquals: {'a..b': 1}\n",
            15,
            "is not a JSON path",
        ),
        ("      kind: http\n      url: ftp://x\n", 13, "url"),
        ("      kind: http\n      url: http://x\n      environments: [prod]\n", 14, "prod"),
        ("      kind: tcp\n      host: db\n", 10, "needs its port"),
        ("      kind: k8s\n      check: pods-ready\n", 10, "needs a namespace"),
        ("      kind: k8s\n      check: pods-redy\n", 13, "check"),
        ("      kind: security\n      failOn: severe\n", 13, "use one of low"),
        ("      kind: security\n      checks: [K8S-1]\n", 13, "is not a check ID"),
        ("      kind: http\n      url: http://x\n      retires: 2\n", 14, 'unknown key "retires"'),
        ("      kind: dns\n      host: ${nope.x}\n", 13, "is not a reference"),
        ("      kind: dns\n      host: ${terraform.dns.ip}\n", 13, 'module "dns"'),
    ],
)
def test_bad_definitions_are_config_errors_at_their_line(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    error = error_of(tmp_path, CASE.format(body=body))

    assert error.location is not None
    assert error.location.path.endswith("stack.yaml")
    assert error.location.line == line, error.render()
    assert message in error.render()


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, CASE.format(body="      kind: http\n      url: http://x\n      retires: 2\n")
    )

    assert error.hint is not None and '"retries"' in error.hint


def test_duplicate_test_names_are_refused(tmp_path: Path) -> None:
    body = "      kind: k8s\n      check: nodes-ready\n"
    tests = CASE.format(body=body) + "    - name: web\n      category: security\n" + body

    error = error_of(tmp_path, tests)

    assert error.location is not None and error.location.line == 14
    assert 'two tests are named "web"' in error.message
