"""The dataclass code cache: the same classes from cached code, a file only this user can write."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from unideploy.cli import dataclass_code
from unideploy.cli.dataclass_code import DataclassCodeCache
from unideploy.engines.process import run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def routed(tmp_path: Path) -> Iterator[tuple[Path, list[DataclassCodeCache]]]:
    """dataclasses' `exec` through a fresh cache at tmp_path/code.marshal, put back afterwards."""
    path = tmp_path / "code.marshal"
    caches: list[DataclassCodeCache] = []

    def start() -> DataclassCodeCache:
        cache = DataclassCodeCache(path)
        dataclasses.exec = cache.exec  # type: ignore[attr-defined]
        caches.append(cache)
        return cache

    start()
    yield path, caches
    del dataclasses.exec  # type: ignore[attr-defined]


def _define() -> tuple[type, type]:
    @dataclass(frozen=True)
    class Release:
        name: str
        namespace: str = "default"
        needs: tuple[str, ...] = ()
        labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @dataclass
    class Attempt:
        step: str
        tries: int = 0
        log: list[str] = field(default_factory=list)
        total: int = field(init=False, default=0)

        def __post_init__(self) -> None:
            self.total = self.tries * 2

    return Release, Attempt


def _behaviour(release_cls: Any, attempt_cls: Any) -> dict[str, Any]:
    one = release_cls("web", needs=("db",), labels={"a": "b"})
    same = release_cls("web", "default", ("db",), {"c": "d"})
    try:
        one.name = "other"
        frozen = False
    except dataclasses.FrozenInstanceError:
        frozen = True
    attempt = attempt_cls("helm/web", tries=3)
    return {
        "repr": repr(one),
        "eq": one == same,
        "hash": hash(one) == hash(same),
        "frozen": frozen,
        "attempt": repr(attempt),
        "post_init": attempt.total,
        "replace": repr(dataclasses.replace(one, namespace="prod")),
        "asdict": dataclasses.asdict(attempt),
    }


def test_a_second_process_builds_the_same_classes_from_cached_code(
    routed: tuple[Path, list[DataclassCodeCache]],
) -> None:
    path, caches = routed
    first = _define()
    compiled = caches[0]
    assert compiled.added >= 8 and compiled.hits == 0
    compiled.save()
    assert path.stat().st_mode & 0o777 == 0o600

    cached = DataclassCodeCache(path)
    dataclasses.exec = cached.exec  # type: ignore[attr-defined]
    second = _define()
    assert cached.hits == compiled.added and cached.added == 0
    assert _behaviour(*second) == _behaviour(*first)
    init_first = first[1].__init__.__code__  # type: ignore[misc]
    init_second = second[1].__init__.__code__  # type: ignore[misc]
    assert init_second.co_code == init_first.co_code
    assert init_second.co_filename == "<string>"


def test_nothing_new_writes_nothing(routed: tuple[Path, list[DataclassCodeCache]]) -> None:
    path, caches = routed
    caches[0].save()
    assert not path.exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"not marshal", importlib.util.MAGIC_NUMBER + b"\x00garbage", b"\x00\x00\x00\x00{}"],
    ids=["empty", "text", "truncated", "other-python"],
)
def test_an_unreadable_file_is_ignored(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "code.marshal"
    path.write_bytes(content)
    path.chmod(0o600)
    assert DataclassCodeCache(path).code == {}


def test_a_file_others_may_write_is_not_trusted(
    routed: tuple[Path, list[DataclassCodeCache]],
) -> None:
    path, caches = routed
    _define()
    caches[0].save()
    assert DataclassCodeCache(path).code
    path.chmod(0o620)
    assert DataclassCodeCache(path).code == {}


def test_only_the_dataclasses_module_goes_through_the_cache(tmp_path: Path) -> None:
    probe = (
        "import builtins, dataclasses, json, sys\n"
        "from pathlib import Path\n"
        "from unideploy.cli import dataclass_code\n"
        "cache = dataclass_code.install(Path(sys.argv[1]))\n"
        "@dataclasses.dataclass(frozen=True)\n"
        "class Point:\n"
        "    x: int\n"
        "exec('y = 1')\n"
        "print(json.dumps({'added': cache.added, 'builtin': builtins.exec is exec}))\n"
    )
    target = tmp_path / "cache" / "code.marshal"
    done = run([sys.executable, "-c", probe, str(target)], timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"added": 6, "builtin": True}  # frozen: six generated methods
    assert target.exists()  # written at exit


def test_the_console_entry_installs_it_for_commands_only(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    target = tmp_path / "unideploy" / dataclass_code.cache_path().name
    help_run = run([sys.executable, "-m", "unideploy", "--help"], timeout=60, env=env)
    assert help_run.returncode == 0, help_run.stderr
    assert not target.exists()
    plan = [sys.executable, "-m", "unideploy", "--stack", str(REPO / "stack.yaml"), "plan"]
    planned = run([*plan, "-e", "development"], timeout=60, env=env)
    assert "Traceback" not in planned.stderr  # its outcome aside (values may need an age key)
    assert target.exists()


def test_past_its_bound_the_file_keeps_only_what_this_run_used(
    routed: tuple[Path, list[DataclassCodeCache]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, caches = routed
    stale = {f"def old_{n}(): pass": compile("pass", "<string>", "exec") for n in range(5)}
    caches[0].code.update(stale)
    monkeypatch.setattr(dataclass_code, "MAX_ENTRIES", 5)
    _define()
    caches[0].save()
    kept = DataclassCodeCache(path).code
    assert set(kept) == caches[0].used and len(kept) == caches[0].added
    assert not set(stale) & set(kept)
