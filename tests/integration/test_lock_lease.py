"""The environment Lease on a real kube-apiserver: one holder, renewal, stale takeover, release.

Also the cluster mirror of run records (one ConfigMap per run, the newest N kept).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.integration.sandbox_cluster import Cluster

from unideploy.cli.lock_cmd import lock_group
from unideploy.engines.kube.rest import call
from unideploy.errors import LockError
from unideploy.execute.lease import LeaseLock, api_client
from unideploy.execute.lock import environment_lock
from unideploy.execute.lockbase import holder_identity
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Phase, Step
from unideploy.records.audit import AuditLog
from unideploy.records.history import History, save_run
from unideploy.records.mirror import cluster_runs, configmap_name, mirror_run

pytestmark = pytest.mark.cluster


@pytest.fixture
def kubeconfig(sandbox: Cluster) -> Path:
    return sandbox.kubeconfig


@pytest.fixture
def api(kubeconfig: Path) -> Any:
    return api_client(kubeconfig)


@pytest.fixture
def lock_ns(sandbox: Cluster) -> Iterator[str]:
    """A lock namespace that does not exist yet: the lock must create it."""
    name = f"locks-{uuid.uuid4().hex[:8]}"
    yield name
    sandbox.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


def _lease_path(ns: str, env: str) -> str:
    return f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/unideploy-{env}"


def _lease(api: Any, ns: str, env: str) -> dict[str, Any]:
    status, data, message = call(api, "GET", _lease_path(ns, env))
    assert status == 200, message
    return dict(data)


def test_two_deploys_started_together_exactly_one_proceeds(api: Any, lock_ns: str) -> None:
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}
    proceed = threading.Event()

    def deploy(run_id: str) -> None:
        lock = LeaseLock(
            api, "production", identity=holder_identity(run_id, "alice@laptop"), namespace=lock_ns
        )
        barrier.wait()
        try:
            with lock:
                outcomes[run_id] = "proceeded"
                proceed.wait(20)
        except LockError as exc:
            outcomes[run_id] = exc.render()
            proceed.set()

    threads = [threading.Thread(target=deploy, args=(r,)) for r in ("run-1", "run-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert list(outcomes.values()).count("proceeded") == 1
    winner = next(r for r, o in outcomes.items() if o == "proceeded")
    refused = next(o for o in outcomes.values() if o != "proceeded")
    assert f'environment "production" is locked by alice@laptop (run {winner}), since ' in refused
    assert "`unideploy lock release -e production`" in refused
    assert "holderIdentity" not in _lease(api, lock_ns, "production")["spec"]  # released


def test_renewed_while_held_and_released_at_the_end(api: Any, lock_ns: str) -> None:
    lock = LeaseLock(
        api, "staging", identity="a@h (run 1)", namespace=lock_ns, duration=2, renew_every=0.3
    )
    with lock:
        first = _lease(api, lock_ns, "staging")["spec"]["renewTime"]
        time.sleep(2.5)  # longer than leaseDurationSeconds: only renewal keeps it ours
        spec = _lease(api, lock_ns, "staging")["spec"]
        assert spec["holderIdentity"] == "a@h (run 1)"
        assert spec["renewTime"] > first
        with pytest.raises(LockError, match=r"locked by a@h \(run 1\)"):
            LeaseLock(api, "staging", identity="b@h (run 2)", namespace=lock_ns).acquire()
        assert not lock.lost.is_set()
    after = LeaseLock(api, "staging", identity="b@h (run 2)", namespace=lock_ns)
    assert after.holder() is None
    with after:
        assert _lease(api, lock_ns, "staging")["spec"]["leaseTransitions"] == 1


def test_stale_lease_is_taken_over(api: Any, lock_ns: str) -> None:
    ghost = LeaseLock(api, "dev", identity="ghost@gone (run 0)", namespace=lock_ns, duration=60)
    ghost.acquire()
    ghost._stop.set()  # the holder dies: nobody renews, nobody releases
    lease = _lease(api, lock_ns, "dev")
    old = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lease["spec"]["renewTime"] = old
    status, _, message = call(api, "PUT", _lease_path(lock_ns, "dev"), body=lease)
    assert status == 200, message
    with LeaseLock(api, "dev", identity="me@here (run 1)", namespace=lock_ns) as lock:
        assert lock.holder() is not None
        assert _lease(api, lock_ns, "dev")["spec"]["holderIdentity"] == "me@here (run 1)"


def test_waits_up_to_lock_timeout(api: Any, lock_ns: str) -> None:
    first = LeaseLock(api, "qa", identity="a@h (run 1)", namespace=lock_ns)
    first.acquire()
    threading.Timer(1.0, first.release).start()
    began = time.monotonic()
    second = LeaseLock(api, "qa", identity="b@h (run 2)", namespace=lock_ns, timeout=20, poll=0.2)
    with second:
        assert _lease(api, lock_ns, "qa")["spec"]["holderIdentity"] == "b@h (run 2)"
    assert 0.9 < time.monotonic() - began < 15


def test_force_release_is_noticed_by_the_holder(api: Any, lock_ns: str) -> None:
    lost: list[str] = []
    holder = LeaseLock(
        api,
        "prod",
        identity="a@h (run 1)",
        namespace=lock_ns,
        renew_every=0.2,
        on_lost=lost.append,
    )
    with holder:
        released = LeaseLock(api, "prod", identity="", namespace=lock_ns).force_release()
        assert released is not None and released.identity == "a@h (run 1)"
        assert holder.lost.wait(5)
    assert lost and "lock taken by nobody" in lost[0]


def test_lock_status_cli_reads_the_lease(
    kubeconfig: Path, api: Any, lock_ns: str, tmp_path: Path
) -> None:
    lock = environment_lock(
        "staging", run_id="r42", state_dir=tmp_path, kube=api, namespace=lock_ns, user="bob@ci"
    )
    args = ["-e", "staging", "--kubeconfig", str(kubeconfig), "--namespace", lock_ns]
    with lock:
        out = CliRunner().invoke(
            lock_group, ["status", *args, "--state-dir", str(tmp_path), "-o", "json"]
        )
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["lease"]["holder"] == "bob@ci (run r42)"
    out = CliRunner().invoke(
        lock_group, ["status", *args, "--state-dir", str(tmp_path), "-o", "json"]
    )
    assert json.loads(out.output)["lease"] is None


def test_runs_are_mirrored_and_only_the_newest_kept(api: Any, lock_ns: str) -> None:
    runs = [
        Runner(RunOptions(handle_signals=False)).run(
            [Phase("helm", (Step("helm/app", lambda c: None),))], environment=env
        )
        for env in ("dev", "dev", "prod", "dev")
    ]
    for result in runs:
        mirror_run(api, result, namespace=lock_ns, keep=2)
    dev = [r.run_id for r in runs if r.environment == "dev"]
    assert [r.run_id for r in cluster_runs(api, namespace=lock_ns, environment="dev")] == [
        dev[2],
        dev[1],
    ]
    assert len(cluster_runs(api, namespace=lock_ns)) == 3
    status, cm, message = call(
        api, "GET", f"/api/v1/namespaces/{lock_ns}/configmaps/{configmap_name(dev[2])}"
    )
    assert status == 200, message
    assert cm["metadata"]["labels"]["unideploy.io/run"] == dev[2]
    assert json.loads(cm["data"]["run.json"])["run_id"] == dev[2]


def test_save_run_records_locally_and_mirrors(api: Any, lock_ns: str, tmp_path: Path) -> None:
    result = Runner(RunOptions(handle_signals=False)).run(
        [Phase("helm", (Step("helm/app", lambda c: None),))], environment="staging"
    )
    assert save_run(result, state_dir=tmp_path, kube=api, namespace=lock_ns) == []
    assert History(tmp_path / "history.db").get(result.run_id) == result
    mirrored = cluster_runs(api, namespace=lock_ns, environment="staging")
    assert [r.run_id for r in mirrored] == [result.run_id]


def test_lock_release_cli_frees_a_dead_runs_lease_and_audits_it(
    kubeconfig: Path, api: Any, lock_ns: str, tmp_path: Path
) -> None:
    dead = LeaseLock(api, "production", identity="carol@old (run r1)", namespace=lock_ns)
    dead.acquire()
    dead._stop.set()  # the run dies without releasing
    args = ["-e", "production", "--kubeconfig", str(kubeconfig), "--namespace", lock_ns]
    out = CliRunner().invoke(lock_group, ["release", *args, "--state-dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "released the lock of production held by carol@old (run r1)" in out.output
    assert "holderIdentity" not in _lease(api, lock_ns, "production")["spec"]
    entries = AuditLog(tmp_path / "audit.jsonl").entries()
    assert [e["event"] for e in entries] == ["lock_force_released"]
    assert entries[0]["data"]["holder"] == "carol@old (run r1)"
    again = CliRunner().invoke(lock_group, ["release", *args, "--state-dir", str(tmp_path)])
    assert "the lock of production was free" in again.output
