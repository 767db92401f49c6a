"""Run history: every RunResult stored in SQLite under the stack's `.unideploy/history.db`.

Reads only finished RunResults (execute/result.py) and answers list / get / last-successful
queries, including per-step details such as Helm revisions for a later rollback. The cluster
mirror lives in records/mirror.py; the tamper-evident audit log in records/audit.py.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from unideploy.engines.process import run
from unideploy.errors import EngineError, UnideployError
from unideploy.execute.lockbase import LOCK_NAMESPACE
from unideploy.execute.result import OK_STATUSES, RunResult, StackRevision, Status, StepResult
from unideploy.records.step_lookup import newest_of_each, newest_step
from unideploy.redact.values import redacted

log = logging.getLogger(__name__)
STATE_DIR = ".unideploy"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    status      TEXT NOT NULL,
    exit_code   INTEGER NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    duration    REAL NOT NULL,
    user        TEXT NOT NULL,
    commit_sha  TEXT,
    dirty       INTEGER,
    plan_hash   TEXT,
    record      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_environment ON runs (environment, run_id);
CREATE TABLE IF NOT EXISTS steps (
    run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    step_id     TEXT NOT NULL,
    phase       TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    started_at  TEXT,
    finished_at TEXT,
    duration    REAL NOT NULL,
    attempts    INTEGER NOT NULL,
    plan_hash   TEXT,
    details     TEXT NOT NULL,
    PRIMARY KEY (run_id, step_id)
);
CREATE INDEX IF NOT EXISTS steps_by_id ON steps (step_id, run_id);
"""


def state_dir(stack_dir: Path) -> Path:
    """Return the stack's private state directory (`<stack>/.unideploy`)."""
    return Path(stack_dir) / STATE_DIR


def stack_revision(stack_dir: Path) -> StackRevision | None:
    """Return the stack's git commit and whether it has uncommitted changes; None outside git."""
    try:
        head = run(["git", "-C", str(stack_dir), "rev-parse", "HEAD"], timeout=30)
        if head.returncode != 0:
            return None
        status = run(
            [
                "git",
                "-C",
                str(stack_dir),
                "status",
                "--porcelain",
                "--",
                ".",
                f":(exclude){STATE_DIR}",
            ],
            timeout=60,
        )
    except EngineError:
        return None
    return StackRevision(commit=head.stdout.strip(), dirty=bool(status.stdout.strip()))


@dataclass(frozen=True)
class RunOutcome:
    """How one run ended, without its steps: what the deployment counters are made of."""

    run_id: str
    status: Status
    finished_at: datetime | None
    dry_run: bool


class History:
    """The run records of one stack, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def for_stack(cls, stack_dir: Path) -> History:
        """Return the history kept under `stack_dir`'s state directory."""
        return cls(state_dir(stack_dir) / "history.db")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.execute("PRAGMA foreign_keys = ON")
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            with db:
                yield db

    def record(self, result: RunResult) -> None:
        """Store (or replace) the record of a run, every secret read so far redacted."""
        revision = result.revision
        document = redacted(result.to_dict())
        # The step rows take their reason and details from the redacted record: redacted once.
        step_documents = [step for phase in document["phases"] for step in phase["steps"]]
        with self._db() as db:
            db.execute("DELETE FROM runs WHERE run_id = ?", (result.run_id,))
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.run_id,
                    result.environment,
                    result.status.value,
                    int(result.exit_code),
                    _iso(result.started_at),
                    _iso(result.finished_at),
                    result.duration,
                    result.user,
                    revision.commit if revision else None,
                    int(revision.dirty) if revision else None,
                    result.plan_hash,
                    json.dumps(document, default=str),
                ),
            )
            db.executemany(
                "INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        result.run_id,
                        step.id,
                        step.phase,
                        step.status.value,
                        written["reason"],
                        _iso(step.started_at),
                        _iso(step.finished_at),
                        step.duration,
                        step.attempts,
                        step.plan_hash,
                        json.dumps(written["details"], default=str),
                    )
                    for step, written in zip(result.steps, step_documents, strict=True)
                ],
            )

    def list_runs(self, environment: str | None = None, limit: int = 20) -> list[RunResult]:
        """Return runs newest first, optionally only those of `environment`."""
        where, args = ("WHERE environment = ?", [environment]) if environment else ("", [])
        with self._db() as db:
            rows = db.execute(
                f"SELECT record FROM runs {where} ORDER BY run_id DESC LIMIT ?",  # noqa: S608
                (*args, limit),
            ).fetchall()
        return [RunResult.from_dict(json.loads(row[0])) for row in rows]

    def outcomes(self, environment: str) -> list[RunOutcome]:
        """Every run of `environment` by how it ended (no record decoded: cheap at any age)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT run_id, status, finished_at, json_extract(record, '$.flags.dry_run') "
                "FROM runs WHERE environment = ?",
                (environment,),
            ).fetchall()
        return [
            RunOutcome(
                run_id=row[0],
                status=Status(row[1]),
                finished_at=datetime.fromisoformat(row[2]) if row[2] else None,
                dry_run=bool(row[3]),
            )
            for row in rows
        ]

    def get(self, run_id: str) -> RunResult:
        """Return the run with this ID (or unique ID prefix); UnideployError if there is none."""
        with self._db() as db:
            rows = db.execute(
                "SELECT record FROM runs WHERE run_id LIKE ? ORDER BY run_id LIMIT 2",
                (run_id.replace("%", "").replace("_", "") + "%",),
            ).fetchall()
        if len(rows) != 1:
            what = "no run" if not rows else "more than one run"
            raise UnideployError(
                f"{what} with ID {run_id!r} in {self.path}",
                hint="`unideploy history` lists the runs and their IDs",
            )
        return RunResult.from_dict(json.loads(rows[0][0]))

    def last_successful(self, environment: str) -> RunResult | None:
        """Return the newest run of `environment` that ended without failure, if any."""
        marks = ", ".join("?" for _ in OK_STATUSES)
        with self._db() as db:
            row = db.execute(
                f"SELECT record FROM runs WHERE environment = ? AND status IN ({marks}) "  # noqa: S608
                "ORDER BY run_id DESC LIMIT 1",
                (environment, *[s.value for s in OK_STATUSES]),
            ).fetchone()
        return RunResult.from_dict(json.loads(row[0])) if row else None

    def last_step(
        self, environment: str, step_id: str, *, ok_only: bool = True
    ) -> StepResult | None:
        """Return the newest result of `step_id` in `environment` (by default a successful one).

        This is where a rollback finds the Helm revision a release had, and `--incremental` the
        plan hash it last applied.
        """
        with self._db() as db:
            return newest_step(db, environment, step_id, ok_only=ok_only)

    def last_steps(self, environment: str) -> dict[str, StepResult]:
        """The newest successful result of every step in `environment`, read on one connection."""
        with self._db() as db:
            return newest_of_each(db, environment)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def save_run(
    result: RunResult,
    *,
    state_dir: Path,
    kube: Any = None,
    namespace: str = LOCK_NAMESPACE,
    keep: int = 20,
) -> list[str]:
    """Record a finished run locally and, given a kube ApiClient, mirror it to the cluster.

    A local failure raises (the record matters); a failed mirror is returned as a warning, so a
    cluster that went away during the run never hides the run's own outcome.
    """
    mirror_outcome = start_saving_run(
        result, state_dir=state_dir, kube=kube, namespace=namespace, keep=keep
    )
    return mirror_outcome()


def start_saving_run(
    result: RunResult,
    *,
    state_dir: Path,
    kube: Any = None,
    namespace: str = LOCK_NAMESPACE,
    keep: int = 20,
) -> Callable[[], list[str]]:
    """`save_run` in two halves: the local record now, the mirror's outcome when called.

    The mirror is written in a thread beside the local record. A deploy records before it lets
    its lock go (a deploy waiting for the lock reads this history) and waits for the mirror only
    after, so that the Lease's release and the mirror's writes travel side by side.
    """
    mirrored = None
    if kube is not None:
        from unideploy.records.mirror import mirror_run  # the kubernetes client only when needed

        pool = ThreadPoolExecutor(1, thread_name_prefix="unideploy-mirror")
        mirrored = pool.submit(mirror_run, kube, result, namespace=namespace, keep=keep)
        pool.shutdown(wait=False)  # the thread ends with the mirror; nothing else is submitted
    History(Path(state_dir) / "history.db").record(result)

    def mirror_outcome() -> list[str]:
        if mirrored is None:
            return []
        try:
            mirrored.result()
        except EngineError as exc:
            log.warning("run %s not mirrored: %s", result.run_id, exc.message)
            return [f"run not mirrored to the cluster: {exc.message}"]
        return []

    return mirror_outcome
