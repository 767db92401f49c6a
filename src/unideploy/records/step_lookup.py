"""The newest result of a step in one environment, read from the history's `steps` table.

A rollback asks for the Helm revision a release had; `--incremental` asks, for every release of
a run, the inputs it last applied. Each answer is one query walking the `steps_by_id` index
newest first, however long the history, and decodes only that step's row (a whole run record
is far larger). `newest_of_each` answers for every step at once on one open connection: a run
asking about all its releases opens the file once, not once per release.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from unideploy.execute.result import OK_STATUSES, StepResult

_COLUMNS = (
    "s.step_id, s.phase, s.status, s.reason, s.started_at, s.finished_at, s.attempts, "
    "s.plan_hash, s.details"
)


def newest_step(
    db: sqlite3.Connection, environment: str, step_id: str, *, ok_only: bool = True
) -> StepResult | None:
    """The newest result of `step_id` in `environment` (by default a successful one)."""
    statuses = [s.value for s in OK_STATUSES] if ok_only else []
    marks = ", ".join("?" for _ in statuses)
    condition = f"AND s.status IN ({marks})" if statuses else ""
    # CROSS JOIN keeps `steps` the outer loop: the planner would otherwise walk every run of the
    # environment (runs_by_environment) and look the step up in each, sorting the matches — a
    # cost that grew with the history (18 ms for an incremental run's 57 steps over 195 runs,
    # against 0.4 ms walking steps_by_id newest first and stopping at the first match).
    row = db.execute(
        f"SELECT {_COLUMNS} FROM steps s CROSS JOIN runs r ON r.run_id = s.run_id "  # noqa: S608
        f"WHERE r.environment = ? AND s.step_id = ? {condition} "
        "ORDER BY s.run_id DESC LIMIT 1",
        (environment, step_id, *statuses),
    ).fetchone()
    return None if row is None else _step(row)


def newest_of_each(db: sqlite3.Connection, environment: str) -> dict[str, StepResult]:
    """The newest successful result of every step ever recorded in `environment`."""
    step_ids = [row[0] for row in db.execute("SELECT DISTINCT step_id FROM steps")]
    found = {}
    for step_id in step_ids:
        step = newest_step(db, environment, step_id)
        if step is not None:
            found[step_id] = step
    return found


def _step(row: tuple[Any, ...]) -> StepResult:
    return StepResult.from_dict(
        {
            "id": row[0],
            "phase": row[1],
            "status": row[2],
            "reason": row[3],
            "started_at": row[4],
            "finished_at": row[5],
            "attempts": row[6],
            "plan_hash": row[7],
            "details": json.loads(row[8]),
        }
    )
