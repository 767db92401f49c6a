"""A value read once per key, however many threads ask for it at once.

The run's live snapshot (one LIST per kind and namespace) and Helm's release heads (one LIST per
namespace) are asked for by every release's worker thread together. The first asker of a key
reads it; the others wait for that read instead of sending their own, while keys other threads
ask for are read side by side (a lock per key, not one for all).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class OncePerKey(Generic[K, V]):
    """`read(key)` called at most once per key (a failed read is not kept); thread-safe."""

    def __init__(self, read: Callable[[K], V]) -> None:
        self._read = read
        self._values: dict[K, V] = {}
        self._locks: dict[K, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: K) -> V:
        """The value of `key`, read now if no thread has read it yet."""
        with self._guard:
            if key in self._values:
                return self._values[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._values:
                    return self._values[key]
            value = self._read(key)
            with self._guard:
                self._values[key] = value
            return value

    def known(self, key: K) -> bool:
        """True once `key` has been read."""
        with self._guard:
            return key in self._values
