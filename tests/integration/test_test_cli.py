"""`unideploy test`, `report` and `health` on the reference stack deployed to the sandbox."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from tests.integration.deploy_support import REPO, reference_stack, unideploy
from tests.integration.sandbox_cluster import Cluster

from unideploy.cli.main import main
from unideploy.config.load import load_stack
from unideploy.config.tests_model import parse_tests

BROKEN = """\
    - name: api-teapot
      category: application
      kind: http
      apiPath: /readyz
      retries: 1
      retryDelay: 0.2
      expect: {status: 418}
"""


@pytest.fixture(scope="module")
def deployed(sandbox: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the reference stack, deployed to the sandbox without its tests."""
    stack = reference_stack(tmp_path_factory.mktemp("ref") / "stack", sandbox.kubeconfig)
    done = unideploy(stack, "deploy", "-e", "development", "--skip-tests", timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    yield stack


def cli(stack: Path, *args: str) -> int:
    return main(["--stack", str(stack), *args])


@pytest.mark.cluster
def test_reference_tests_pass_on_the_sandbox_and_every_format_is_written(
    deployed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"

    code = cli(
        deployed, "test", "-e", "development", "--output-format", "all", "--output-file", str(out)
    )

    console = capsys.readouterr().out
    assert code == 0, console
    assert sorted(p.name for p in out.iterdir()) == [
        "junit.xml",
        "report.html",
        "report.json",
        "report.md",
    ]
    document = json.loads((out / "report.json").read_text())
    schema = json.loads((REPO / "schema" / "report.schema.json").read_text())
    jsonschema.validate(document, schema)
    categories = {t["category"] for t in document["tests"]}
    assert categories == {
        "infrastructure",
        "connectivity",
        "application",
        "performance",
        "security",
    }
    assert all(t["outcome"] == "passed" for t in document["tests"]), document["tests"]
    xmlschema.XMLSchema(str(REPO / "tests" / "fixtures" / "junit" / "JUnit.xsd")).validate(
        str(out / "junit.xml")
    )
    # Every case of stack.yaml that runs in development (the new database checks among them).
    suite = parse_tests(load_stack(deployed / "stack.yaml"))
    expected = sorted(case.name for case in suite.cases if case.runs_in("development"))
    assert sorted(t["name"] for t in document["tests"]) == expected
    assert {"database-available", "database-volumes-bound"} <= set(expected)
    assert "Infrastructure health" in console
    assert f"tests: {len(expected)} passed, 0 failed" in console
    assert '<svg id="timeline"' in (out / "report.html").read_text()


@pytest.mark.cluster
def test_a_broken_test_fails_the_run_and_every_report_says_which_and_why(
    deployed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("environments", "helm", "terraform", "testing"):
        (broken / name).symlink_to(deployed / name if (deployed / name).exists() else REPO / name)
    (broken / ".unideploy").symlink_to(deployed / ".unideploy")
    (broken / "stack.yaml").write_text((deployed / "stack.yaml").read_text() + BROKEN)
    junit = tmp_path / "junit.xml"

    code = cli(
        broken,
        "test",
        "-e",
        "development",
        "--category",
        "application",
        "--output-format",
        "junit",
        "--output-file",
        str(junit),
    )
    capsys.readouterr()

    assert code == 1
    root = ET.parse(junit).getroot()
    failure = root.find(".//testcase[@name='api-teapot']/failure")
    assert failure is not None
    assert failure.get("message", "").startswith("status 200, expected 418")
    assert "after 2 attempts" in (failure.text or "")
    assert [c.get("name") for c in root.iter("testcase") if c.find("failure") is None] == [
        "api-server-ready",
        "homepage-settings",
    ]

    assert cli(broken, "report", "last", "-e", "development", "--format", "json") == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "failed" and record["exit_code"] == 1
    assert "api-teapot" in record["reason"]
    assert cli(broken, "report", record["run_id"][:13], "--format", "markdown") == 0
    markdown = capsys.readouterr().out
    assert "| api-teapot | http | ❌ failed |" in markdown and "expected 418" in markdown


@pytest.mark.cluster
def test_health_of_the_deployed_environment(
    deployed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(deployed, "health", "-e", "development", "--output", "json")

    document = json.loads(capsys.readouterr().out)
    areas = {a["name"]: a for a in document["areas"]}
    assert code == 0 and document["healthy"] is True
    assert areas["nodes"]["status"] == "ok" and areas["nodes"]["objects"]
    workloads = {o["object"] for o in areas["workloads"]["objects"]}
    assert {"deployment/grafana", "deployment/homepage"} <= workloads
    assert areas["endpoints"]["status"] == "ok"
