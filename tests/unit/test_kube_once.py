"""OncePerKey: one read per key for threads asking together; other keys read side by side."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from unideploy.engines.kube.once import OncePerKey


def test_threads_asking_one_key_share_one_read_while_two_keys_read_together() -> None:
    together = threading.Barrier(2, timeout=10)  # both keys' reads must be in flight at once
    reads: Counter[str] = Counter()
    lock = threading.Lock()

    def read(key: str) -> str:
        with lock:
            reads[key] += 1
        together.wait()
        return key.upper()

    once: OncePerKey[str, str] = OncePerKey(read)
    answers: list[str] = []
    threads = [threading.Thread(target=lambda k=k: answers.append(once.get(k))) for k in "abab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["A", "A", "B", "B"]
    assert reads == {"a": 1, "b": 1}
    assert once.known("a") and not once.known("c")


def test_a_failed_read_is_not_kept() -> None:
    attempts: list[int] = []

    def read(key: int) -> int:
        attempts.append(key)
        if len(attempts) == 1:
            raise OSError("connection refused")
        return key * 2

    once: OncePerKey[int, int] = OncePerKey(read)
    with pytest.raises(OSError):
        once.get(4)
    assert not once.known(4)
    assert once.get(4) == 8
    assert attempts == [4, 4]
