"""Go libraries' log lines (klog, Go's log/slog) go to the debug log, never to the terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from unideploy.cli.golog import is_go_log_line

UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")
NOISY = Path(__file__).resolve().parents[1] / "fixtures" / "helm" / "noisy"


@pytest.mark.parametrize(
    "line",
    [
        b'I1204 10:11:12.123456   4242 warnings.go:110] Warning: unrecognized format "int64"\n',
        b"W1204 10:11:12.000001 1 reflector.go:484] watch ended with error\n",
        b"2026/12/04 10:11:12 WARN ImportValues missing table from chart chart=agent\n",
    ],
)
def test_go_log_lines_are_recognised(line: bytes) -> None:
    assert is_go_log_line(line)


@pytest.mark.parametrize(
    "line",
    [b"error: the stack is invalid\n", b"  hint: check stack.yaml\n", b"I100 not klog\n"],
)
def test_our_own_lines_are_not(line: bytes) -> None:
    assert not is_go_log_line(line)


STACK = """\
apiVersion: unideploy.io/v1
name: noisy
tiers: [applications]
environments:
  development: {}
releases:
  - name: noisy
    namespace: apps
    chart: {path: charts/noisy}
    tier: applications
"""


def test_a_helm_warning_reaches_the_debug_log_not_the_terminal(tmp_path: Path) -> None:
    root = tmp_path / "stack"
    shutil.copytree(NOISY, root / "charts" / "noisy")
    (root / "stack.yaml").write_text(STACK)
    (root / "environments" / "development").mkdir(parents=True)
    (root / "environments" / "development" / "values.yaml").write_text("{}\n")
    debug_log = tmp_path / "debug.log"
    env = {**os.environ, "UNIDEPLOY_LOG_FILE": str(debug_log), "NO_COLOR": "1"}
    env.pop("DEBUG", None)

    done = subprocess.run(
        [
            UNIDEPLOY,
            "gitops",
            "render",
            "-e",
            "development",
            "--flavor",
            "manifests",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "ImportValues" not in done.stderr
    assert "ImportValues missing table" in debug_log.read_text()


def test_our_own_errors_still_reach_the_terminal(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text("apiVersion: unideploy.io/v1\nreleases: 3\n")
    done = subprocess.run(
        [UNIDEPLOY, "validate"],
        cwd=tmp_path,
        env={**os.environ, "UNIDEPLOY_LOG_FILE": str(tmp_path / "d.log")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "error:" in done.stderr and "hint:" in done.stderr
