"""Noise and report size on the sandbox (issue 14, point 10).

Go's own log lines (klog, Go's log/slog) written by the engines during a deploy reach the debug log
and never the terminal; a run whose security gate finds more than 200 findings keeps every one in
its `-o json` record and in the report files, as many as `security scan` finds in Helm's render.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.integration.deploy_support import steps, unideploy
from tests.integration.sandbox_cluster import Cluster
from tests.integration.upstream_support import GO_LOG_LINE, helm_dry_run, write_stack

pytestmark = pytest.mark.cluster

GO_LOGGER = " unideploy.engines.go [go-log-filter] "


def test_go_log_lines_reach_the_debug_log_never_the_terminal(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    # `noisy` makes Helm's Go code log a warning while it renders (an import-values misfit), and
    # `umbrella` installs CRDs and waits on objects: client-go's own lines come with those.
    stack = write_stack(tmp_path / "stack", sandbox, namespace, noisy="noisy",
                        loud="umbrella")  # fmt: skip
    done = unideploy(stack, "deploy", "-e", "development")
    assert done.returncode == 0, done.stdout + done.stderr

    terminal = (done.stdout + done.stderr).splitlines()
    leaked = [line for line in terminal if GO_LOG_LINE.match(line) or "watch ended" in line]
    assert leaked == []
    debug = (stack / "debug.log").read_text()
    diverted = [line.split(GO_LOGGER, 1)[1] for line in debug.splitlines() if GO_LOGGER in line]
    # The deploy did produce Go log lines (else this test would prove nothing): all went here.
    assert any("ImportValues missing table" in line for line in diverted), debug[-2000:]
    assert all(GO_LOG_LINE.match(line) for line in diverted), diverted
    assert not any(line in done.stderr for line in diverted)


def finding_keys(findings: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    """How often each check fired on each object (kind, name): comparable across outputs.

    A scan or a step names the object as a mapping, a report as `Kind namespace/name`.
    """
    keys: Counter[tuple[str, str, str]] = Counter()
    for finding in findings:
        obj = finding["object"]
        if isinstance(obj, dict):
            keys[(finding["check_id"], obj["kind"], obj["name"])] += 1
        else:
            kind, where = obj.split(" ", 1)
            keys[(finding["check_id"], kind, where.rsplit("/", 1)[-1])] += 1
    return keys


def test_a_run_report_keeps_every_finding_beyond_200(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = write_stack(tmp_path / "stack", sandbox, namespace, sprawl="sprawl")
    # What the checks find in Helm's own render of the chart, in the namespace Helm installs it.
    rendered = tmp_path / "sprawl.yaml"
    helm = helm_dry_run(stack / "charts" / "sprawl", "sprawl", namespace, {})
    for obj in helm:
        obj["metadata"]["namespace"] = namespace
    rendered.write_text(yaml.safe_dump_all(helm))
    scan = unideploy(stack, "security", "scan", "-m", str(rendered), "-e", "development",
                     "-o", "json")  # fmt: skip
    assert scan.returncode == 0, scan.stdout + scan.stderr
    expected = finding_keys(json.loads(scan.stdout)["findings"])
    assert sum(expected.values()) > 200

    done = unideploy(stack, "deploy", "-e", "development", "-o", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    gate = steps(done.stdout)["security/static"]["details"]
    assert gate["reported"] == sum(expected.values())
    assert finding_keys(gate["findings"]) == expected

    reports = tmp_path / "reports"
    shown = unideploy(stack, "report", "last", "-e", "development", "--format", "all",
                      "--output-file", str(reports))  # fmt: skip
    assert shown.returncode == 0, shown.stdout + shown.stderr
    report = json.loads((reports / "report.json").read_text())
    static = [f for f in report["findings"] if f["step"] == "security/static"]
    assert finding_keys(static) == expected
    markdown = (reports / "report.md").read_text()
    assert all(f"{kind} {namespace}/{name}" in markdown for _, kind, name in expected)
