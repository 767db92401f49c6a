"""Shared by the tests of Flux's real controllers on the sandbox (`sandbox up --gitops flux`).

`flux`: a module-scoped sandbox of its own with the controllers and the git server, and its
`status -o json`; `git` runs real git; `poll` waits for a condition and fails with the
controllers' log tails, so a test that times out says what the controllers did.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.sandbox_cluster import NEEDED_TOOLS, Cluster, require_tools

from unideploy.engines import process
from unideploy.sandbox import Sandbox, find_tool
from unideploy.sandbox.flux import COMPONENTS, CONTROLLERS

DEADLINE_S = 180.0
GIT_IDENTITY = ("-c", "user.name=unideploy tests", "-c", "user.email=tests@unideploy.invalid")


@pytest.fixture(scope="module")
def flux(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, dict[str, Any]]]:
    """A sandbox of this module's own, started with --gitops flux; its `status -o json` too."""
    require_tools(NEEDED_TOOLS + CONTROLLERS)
    box = Sandbox(tmp_path_factory.mktemp("flux-sandbox"), gitops="flux")
    status = box.up(timeout=240)
    try:
        cluster = Cluster(
            status=status, kubeconfig=box.kubeconfig, kubectl_path=find_tool("kubectl")
        )
        yield cluster, status.to_dict()
    finally:
        box.down(purge=True)


def git(cwd: Path, *args: str) -> str:
    """Run real git in `cwd` (a test identity for commits); fail the test on a non-zero exit."""
    done = process.run(["git", *GIT_IDENTITY, *args], cwd=cwd, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout.strip()


def log_tails(status: dict[str, Any], lines: int = 15) -> str:
    """The last lines of every Flux component's log, for failure messages."""
    parts: list[str] = []
    for comp in status["components"]:
        if comp["name"] in COMPONENTS:
            text = Path(comp["log"]).read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {comp['name']} ({comp['log']}):\n" + "\n".join(text))
    return "\n".join(parts)


def poll(
    what: str,
    check: Callable[[], bool],
    status: dict[str, Any],
    detail: Callable[[], str],
    deadline_s: float = DEADLINE_S,
) -> None:
    """Poll `check` until true; fail at the deadline with `detail()` and the controllers' logs."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(2.0)
    pytest.fail(f"{what} not reached within {deadline_s:.0f} s: {detail()}\n{log_tails(status)}")


def request_reconcile(cluster: Cluster, kind: str, name: str, namespace: str, token: str) -> None:
    """What `flux reconcile` does: set the reconcile.fluxcd.io/requestedAt annotation."""
    cluster.kubectl(
        "annotate", "--overwrite", "-n", namespace, f"{kind}/{name}",
        f"reconcile.fluxcd.io/requestedAt={token}",
    )  # fmt: skip
