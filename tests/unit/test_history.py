"""Run history in SQLite: record, list by environment, get by ID, last successful, step details."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from tests.unit.rest_answer import JsonAnswer

from unideploy.engines.process import run
from unideploy.errors import UnideployError
from unideploy.execute.result import RunResult, StackRevision, Status
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Outcome, Phase, Step
from unideploy.records.history import History, save_run, stack_revision, start_saving_run
from unideploy.records.step_lookup import newest_step

pytestmark = pytest.mark.clock


def _deploy(environment: str, helm_status: Status, revision: int) -> RunResult:
    phases = [
        Phase("terraform", (Step("terraform/net", lambda c: None, plan_hash="sha256:net1"),)),
        Phase(
            "helm",
            (
                Step(
                    "helm/grafana",
                    lambda c: Outcome(helm_status, details={"revision": revision}),
                    plan_hash=f"sha256:graf{revision}",
                ),
            ),
        ),
    ]
    return Runner(RunOptions(handle_signals=False)).run(
        phases,
        environment=environment,
        user="alice@laptop",
        revision=StackRevision("a" * 40, dirty=False),
        plan_hash=f"sha256:plan{revision}",
        flags={"parallel": 4, "skip_tests": True},
    )


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History.for_stack(tmp_path)


def test_record_and_get_round_trip(history: History, tmp_path: Path) -> None:
    result = _deploy("staging", Status.CHANGED, 3)
    history.record(result)
    assert (tmp_path / ".unideploy" / "history.db").exists()
    again = history.get(result.run_id)
    assert again == result
    assert again.step("helm/grafana").details["revision"] == 3
    assert again.step("terraform/net").plan_hash == "sha256:net1"
    assert again.plan_hash == "sha256:plan3"
    assert history.get(result.run_id[:20]).run_id == result.run_id  # a unique prefix is enough


def test_unknown_run_id_says_how_to_find_one(history: History) -> None:
    history.record(_deploy("dev", Status.CHANGED, 1))
    with pytest.raises(UnideployError, match="no run with ID 'nope'") as info:
        history.get("nope")
    assert info.value.hint == "`unideploy history` lists the runs and their IDs"


def test_list_filters_by_environment_newest_first_with_limit(history: History) -> None:
    ids = []
    for env in ("dev", "prod", "dev", "dev"):
        result = _deploy(env, Status.CHANGED, 1)
        history.record(result)
        ids.append((env, result.run_id))
    dev = [rid for env, rid in ids if env == "dev"]
    assert [r.run_id for r in history.list_runs("dev")] == list(reversed(dev))
    assert [r.run_id for r in history.list_runs("dev", limit=2)] == list(reversed(dev))[:2]
    assert len(history.list_runs()) == 4
    assert history.list_runs("staging") == []


def test_last_successful_and_last_good_step(history: History) -> None:
    good = _deploy("prod", Status.CHANGED, 4)
    bad = _deploy("prod", Status.ROLLED_BACK, 5)
    history.record(good)
    history.record(bad)
    assert bad.status is Status.FAILED
    last = history.last_successful("prod")
    assert last is not None and last.run_id == good.run_id
    step = history.last_step("prod", "helm/grafana")
    assert step is not None and step.details["revision"] == 4  # what a rollback goes back to
    newest = history.last_step("prod", "helm/grafana", ok_only=False)
    assert newest is not None and newest.status is Status.ROLLED_BACK
    assert history.last_successful("dev") is None


def test_last_steps_answers_every_step_as_last_step_does(history: History) -> None:
    history.record(_deploy("prod", Status.CHANGED, 4))
    history.record(_deploy("prod", Status.ROLLED_BACK, 5))
    history.record(_deploy("dev", Status.CHANGED, 9))
    every = history.last_steps("prod")
    assert sorted(every) == ["helm/grafana", "terraform/net"]
    for step_id, step in every.items():
        assert step == history.last_step("prod", step_id)
    assert every["helm/grafana"].details["revision"] == 4  # the rolled-back run is not a success
    assert history.last_steps("dev")["helm/grafana"].details["revision"] == 9
    assert history.last_steps("staging") == {}


def test_a_step_lookup_walks_the_step_index_not_every_run(history: History) -> None:
    for revision in range(1, 4):
        history.record(_deploy("prod", Status.CHANGED, revision))
    history.record(_deploy("dev", Status.CHANGED, 9))
    with closing(sqlite3.connect(history.path)) as db:
        sql, params = _recording_sql()
        plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params)]
        assert plan[0].startswith("SEARCH s USING INDEX steps_by_id (step_id=?)"), plan
        assert not any("TEMP B-TREE" in detail for detail in plan), plan  # newest first, no sort
        step = newest_step(db, "prod", "helm/grafana")
    assert step is not None and step.details["revision"] == 3


def _recording_sql() -> tuple[str, tuple[object, ...]]:
    """The SQL newest_step sends, captured from a connection that records it."""
    seen: list[tuple[str, tuple[object, ...]]] = []

    class Recording:
        def execute(self, sql: str, params: tuple[object, ...]) -> Recording:
            seen.append((sql, params))
            return self

        def fetchone(self) -> None:
            return None

    newest_step(Recording(), "prod", "helm/grafana")  # type: ignore[arg-type]
    return seen[0]


def test_recording_twice_replaces(history: History) -> None:
    result = _deploy("dev", Status.CHANGED, 1)
    history.record(result)
    history.record(result)
    assert len(history.list_runs()) == 1


def test_stack_revision_reads_commit_and_dirty_flag(tmp_path: Path) -> None:
    assert stack_revision(tmp_path) is None
    git = ["git", "-C", str(tmp_path)]
    env_args = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    run([*git, "init", "-q"], check=True)
    (tmp_path / "stack.yaml").write_text("name: demo\n")
    run([*git, "add", "stack.yaml"], check=True)
    run([*git, *env_args, "commit", "-qm", "init"], check=True)
    head = run([*git, "rev-parse", "HEAD"], check=True).stdout.strip()
    History.for_stack(tmp_path).record(_deploy("dev", Status.CHANGED, 1))  # .unideploy/ is ignored
    assert stack_revision(tmp_path) == StackRevision(head, dirty=False)
    (tmp_path / "stack.yaml").write_text("name: changed\n")
    assert stack_revision(tmp_path) == StackRevision(head, dirty=True)


def test_save_run_without_a_cluster_records_locally(tmp_path: Path) -> None:
    result = _deploy("dev", Status.CHANGED, 1)
    assert save_run(result, state_dir=tmp_path) == []
    assert History(tmp_path / "history.db").get(result.run_id) == result


class MirrorApi:
    """The lock namespace's ConfigMaps: POST waits for `release`, then answers `status`."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.release = threading.Event()
        self.posted = threading.Event()

    def param_serialize(self, method: str, resource_path: str, **kw: Any) -> tuple[Any, ...]:
        return method, resource_path, None, None, None

    def call_api(self, method: str, path: str, *_: Any, **__: Any) -> JsonAnswer:
        if method == "POST":
            self.posted.set()
            assert self.release.wait(10)
            return JsonAnswer(self.status, {"message": "etcd is away"})
        return JsonAnswer(200, {"items": []})


def test_the_local_record_is_written_before_the_mirror_is_waited_for(tmp_path: Path) -> None:
    result = _deploy("dev", Status.CHANGED, 1)
    api = MirrorApi(201)
    mirror_outcome = start_saving_run(result, state_dir=tmp_path, kube=api)
    assert api.posted.wait(10)  # the mirror is being written, not finished
    assert History(tmp_path / "history.db").get(result.run_id) == result
    api.release.set()
    assert mirror_outcome() == []


def test_a_failed_mirror_is_a_warning_not_an_error(tmp_path: Path) -> None:
    result = _deploy("dev", Status.CHANGED, 1)
    api = MirrorApi(500)
    api.release.set()
    warnings = save_run(result, state_dir=tmp_path, kube=api)
    assert warnings == [
        f"run not mirrored to the cluster: cannot mirror run {result.run_id} "
        "to unideploy-system: HTTP 500 etcd is away"
    ]
    assert History(tmp_path / "history.db").get(result.run_id) == result
