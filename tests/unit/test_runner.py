"""The runner's scheduling: order, parallelism bound, fail-fast and continue-on-error."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from unideploy.errors import EngineError, PlanError
from unideploy.execute.events import Event, StepFinished, StepStarted
from unideploy.execute.result import Status
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Action, Outcome, Phase, Step, StepContext
from unideploy.exitcodes import ExitCode


class Recorder:
    """Collects events and the order steps actually ran in."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.ran: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def step(
        self, result: Status = Status.SUCCEEDED, sleep: float = 0.0, fail: bool = False
    ) -> Callable[[str], Action]:
        def make(step_id: str) -> Action:
            def action(ctx: StepContext) -> Outcome:
                with self.lock:
                    self.ran.append(step_id)
                if sleep:
                    time.sleep(sleep)
                if fail:
                    raise EngineError(f"{step_id} broke")
                return Outcome(result)

            return action

        return make

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


def quick(**kwargs: object) -> RunOptions:
    return RunOptions(handle_signals=False, poll_interval=0.01, **kwargs)  # type: ignore[arg-type]


def test_needs_run_before_their_dependents_and_phases_in_order() -> None:
    rec = Recorder()
    ok = rec.step()
    phases = [
        Phase("terraform", (Step("terraform/net", ok("terraform/net")),)),
        Phase(
            "helm",
            (
                Step("helm/frontend", ok("helm/frontend"), needs=("app",)),
                Step("helm/app", ok("helm/app"), needs=("db", "terraform/net")),
                Step("helm/db", ok("helm/db")),
            ),
        ),
    ]
    result = Runner(quick(parallel=4), [rec]).run(phases, environment="development")
    assert rec.ran == ["terraform/net", "helm/db", "helm/app", "helm/frontend"]
    assert result.status is Status.SUCCEEDED
    assert result.exit_code is ExitCode.OK
    assert [s.id for s in result.phase("helm").steps] == ["helm/frontend", "helm/app", "helm/db"]
    assert rec.kinds()[0] == "run_started" and rec.kinds()[-1] == "run_finished"
    assert rec.kinds().count("step_finished") == 4


def test_parallelism_bound_is_observed() -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def action(ctx: StepContext) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.15)
        with lock:
            active -= 1

    steps = tuple(Step(f"helm/r{i}", action) for i in range(7))
    result = Runner(quick(parallel=3)).run([Phase("helm", steps)], environment="dev")
    assert result.status is Status.SUCCEEDED
    assert peak == 3


def test_independent_steps_really_overlap() -> None:
    barrier = threading.Barrier(2, timeout=5)

    def action(ctx: StepContext) -> None:
        barrier.wait()  # only returns if both steps are running at the same time

    steps = (Step("helm/a", action), Step("helm/b", action))
    result = Runner(quick(parallel=2)).run([Phase("helm", steps)], environment="dev")
    assert [s.status for s in result.steps] == [Status.SUCCEEDED, Status.SUCCEEDED]


def test_fail_fast_starts_nothing_new_and_skips_later_phases() -> None:
    rec = Recorder()
    phases = [
        Phase(
            "terraform",
            (
                Step("terraform/a", rec.step(fail=True)("terraform/a")),
                Step("terraform/b", rec.step()("terraform/b"), needs=("a",)),
                Step("terraform/c", rec.step()("terraform/c"), needs=("a",)),
            ),
        ),
        Phase("helm", (Step("helm/x", rec.step()("helm/x")),)),
    ]
    result = Runner(quick(parallel=1), [rec]).run(phases, environment="dev")
    assert rec.ran == ["terraform/a"]
    assert result.status is Status.FAILED
    assert result.exit_code is ExitCode.FAILED
    assert result.step("terraform/a").status is Status.FAILED
    assert result.step("terraform/a").reason == "terraform/a broke"
    assert result.step("terraform/b").reason == 'needs "a", which failed'
    assert result.phase("helm").status is Status.SKIPPED
    assert result.phase("helm").reason == 'phase "terraform" failed'
    assert result.step("helm/x").status is Status.SKIPPED
    assert result.reason is not None
    assert result.reason.startswith('phase "terraform", step "terraform/a" failed: terraform/a')


def test_fail_fast_reports_unrelated_steps_skipped_with_reason() -> None:
    rec = Recorder()
    steps = (
        Step("helm/bad", rec.step(fail=True)("helm/bad")),
        Step("helm/later", rec.step()("helm/later"), needs=("slow",)),
        Step("helm/slow", rec.step(sleep=0.1)("helm/slow")),
    )
    result = Runner(quick(parallel=2)).run([Phase("helm", steps)], environment="dev")
    assert result.step("helm/slow").status is Status.SUCCEEDED  # already running: allowed to finish
    later = result.step("helm/later")
    assert later.status is Status.SKIPPED
    assert later.reason == (
        'not started: "helm/bad" failed (fail-fast; --continue-on-error keeps going)'
    )
    assert "helm/later" not in rec.ran


def test_continue_on_error_skips_only_dependents_transitively() -> None:
    rec = Recorder()
    ok = rec.step()
    phases = [
        Phase(
            "helm",
            (
                Step("helm/app", rec.step(result=Status.ROLLED_BACK)("helm/app")),
                Step("helm/frontend", ok("helm/frontend"), needs=("app",)),
                Step("helm/edge", ok("helm/edge"), needs=("frontend",)),
                Step("helm/monitoring", ok("helm/monitoring")),
            ),
        ),
        Phase(
            "tests",
            (
                Step("tests/app-http", ok("tests/app-http"), needs=("helm/app",)),
                Step("tests/dns", ok("tests/dns")),
            ),
        ),
    ]
    result = Runner(quick(continue_on_error=True)).run(phases, environment="dev")
    assert sorted(rec.ran) == ["helm/app", "helm/monitoring", "tests/dns"]
    assert result.step("helm/app").status is Status.ROLLED_BACK
    assert result.step("helm/frontend").reason == 'needs "app", which failed'
    assert result.step("helm/edge").reason == (
        'needs "frontend", which was skipped because "app" failed'
    )
    assert result.step("tests/app-http").reason == 'needs "helm/app", which failed'
    assert result.step("helm/monitoring").status is Status.SUCCEEDED
    assert result.step("tests/dns").status is Status.SUCCEEDED
    assert result.status is Status.FAILED
    assert result.exit_code is ExitCode.FAILED


def test_skipped_and_absent_phases() -> None:
    rec = Recorder()
    phases = [
        Phase("preflight", (Step("preflight/cluster", rec.step()("preflight/cluster")),)),
        Phase(
            "terraform",
            (Step("terraform/net", rec.step()("terraform/net")),),
            skip_reason="--skip-terraform",
        ),
        Phase("helm", (Step("helm/a", rec.step()("helm/a"), needs=("terraform/net",)),)),
    ]
    result = Runner(quick(), [rec]).run(phases, environment="dev")
    assert [p.name for p in result.phases] == ["preflight", "terraform", "helm"]
    assert result.phase("terraform").status is Status.SKIPPED
    assert result.step("terraform/net").reason == "--skip-terraform"
    assert result.step("helm/a").status is Status.SUCCEEDED  # a deliberate skip blocks nothing
    assert "terraform/net" not in rec.ran
    assert "phase_started" not in [
        e.kind for e in rec.events if getattr(e, "phase", None) == "terraform"
    ]


def test_outcome_statuses_aggregate() -> None:
    phases = [
        Phase("terraform", (Step("terraform/a", lambda ctx: Outcome(Status.UNCHANGED)),)),
        Phase("helm", (Step("helm/a", lambda ctx: Outcome(Status.CHANGED, details={"rev": 3})),)),
    ]
    result = Runner(quick()).run(phases, environment="dev", flags={"dry_run": False})
    assert result.phase("terraform").status is Status.UNCHANGED
    assert result.phase("helm").status is Status.CHANGED
    assert result.status is Status.CHANGED
    assert result.step("helm/a").details["rev"] == 3
    assert result.flags["dry_run"] is False


def test_unexpected_exception_fails_the_step_with_its_type() -> None:
    def broken(ctx: StepContext) -> None:
        raise ValueError("bad value")

    result = Runner(quick()).run([Phase("helm", (Step("helm/a", broken),))], environment="dev")
    assert result.step("helm/a").status is Status.FAILED
    assert result.step("helm/a").reason == "ValueError: bad value"


def test_events_pair_start_and_finish_for_each_run_step() -> None:
    rec = Recorder()
    steps = tuple(Step(f"helm/{n}", rec.step()(n)) for n in "abc")
    Runner(quick(), [rec]).run([Phase("helm", steps)], environment="dev")
    started = {e.step_id for e in rec.events if isinstance(e, StepStarted)}
    finished = {e.result.id for e in rec.events if isinstance(e, StepFinished)}
    assert started == finished == {"helm/a", "helm/b", "helm/c"}


@pytest.mark.parametrize(
    ("phases", "message"),
    [
        ([Phase("helm", (Step("helm/a", lambda c: None, needs=("nope",)),))], 'needs "nope"'),
        (
            [
                Phase(
                    "helm",
                    (
                        Step("helm/a", lambda c: None, needs=("b",)),
                        Step("helm/b", lambda c: None, needs=("a",)),
                    ),
                )
            ],
            "cycle",
        ),
        (
            [
                Phase("helm", (Step("helm/a", lambda c: None, needs=("tests/t",)),)),
                Phase("tests", (Step("tests/t", lambda c: None),)),
            ],
            'needs "tests/t"',
        ),
    ],
)
def test_malformed_plans_are_refused(phases: list[Phase], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        Runner(quick()).run(phases, environment="dev")
