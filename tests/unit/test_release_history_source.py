"""helm_release._history: with --incremental a deployed head stands in for Helm's history read."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from unideploy.engines.helm.contract import Revision
from unideploy.execute.phases.helm_release import _history, last_deployed


def _revision(number: int, status: str) -> Revision:
    return Revision("web", "apps", number, status, "web-0.1.0")


class Heads:
    def __init__(self, head: Revision | None) -> None:
        self._head = head

    def head(self, name: str, namespace: str) -> Revision | None:
        assert (name, namespace) == ("web", "apps")
        return self._head


class Engine:
    """Helm's history: revision 1 superseded, then what `newest` says."""

    def __init__(self, newest: Revision) -> None:
        self.reads = 0
        self.stored = [_revision(1, "superseded"), newest]

    def history(self, name: str, namespace: str, *, describe_deployed: bool = True) -> Any:
        self.reads += 1
        return list(self.stored)


RELEASE = SimpleNamespace(name="web", namespace="apps")


def test_a_deployed_head_is_the_history_an_incremental_step_needs() -> None:
    head = _revision(2, "deployed")
    engine = Engine(head)
    ctx = SimpleNamespace(incremental=True, heads=lambda: Heads(head))
    history = _history(ctx, engine, RELEASE)  # type: ignore[arg-type]
    assert engine.reads == 0
    assert last_deployed(history) == last_deployed(engine.stored) == head


@pytest.mark.parametrize(
    ("incremental", "head"),
    [
        (True, _revision(2, "pending-upgrade")),  # stuck: Helm's history explains it
        (True, _revision(2, "failed")),
        (True, None),  # no record listed
        (False, _revision(2, "deployed")),  # not incremental: heads may be from the preflight
    ],
)
def test_otherwise_helm_history_is_read(incremental: bool, head: Revision | None) -> None:
    engine = Engine(head or _revision(2, "deployed"))
    ctx = SimpleNamespace(incremental=incremental, heads=lambda: Heads(head))
    assert _history(ctx, engine, RELEASE) == engine.stored  # type: ignore[arg-type]
    assert engine.reads == 1
