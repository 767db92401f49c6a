"""`deploy --schedule needs` on the sandbox: one helm phase, each release started by its needs.

The apps fixture stack has `app` and `cache` in tier backend and `frontend` (needs app) in tier
frontend. Scheduled by needs there is no barrier between the tiers: `frontend` waits for `app`
alone, and a failed `app` still skips it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.deploy_support import apps_stack, steps, unideploy
from tests.integration.sandbox_cluster import Cluster

pytestmark = pytest.mark.cluster

UNREADY = 'app:\n  podAnnotations:\n    unideploy.io/sandbox-unready: "true"\n'


def test_releases_run_as_one_phase_ordered_by_needs_alone(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    args = ("deploy", "-e", "development", "--skip-tests", "--schedule", "needs", "--parallel", "4")
    done = unideploy(stack, *args, "-o", "json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    record = json.loads(done.stdout)
    assert record["flags"]["schedule"] == "needs"
    names = [phase["name"] for phase in record["phases"]]
    assert "helm" in names and not any(n.startswith("helm:") for n in names), names
    found = steps(done.stdout)
    assert {found[s]["status"] for s in ("helm/app", "helm/cache", "helm/frontend")} == {"changed"}
    assert found["helm/frontend"]["started_at"] >= found["helm/app"]["finished_at"]

    bad = tmp_path / "bad.yaml"
    bad.write_text(UNREADY)
    failed = unideploy(stack, *args, "--continue-on-error", "--values", str(bad), "-o", "json")
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    results = steps(failed.stdout)
    assert results["helm/app"]["status"] == "rolled_back"
    assert results["helm/frontend"]["status"] == "skipped"
    assert results["helm/frontend"]["reason"] == 'needs "app", which failed'  # same phase
    assert results["helm/cache"]["status"] in ("changed", "unchanged")
