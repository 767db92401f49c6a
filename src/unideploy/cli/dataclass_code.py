"""Keep the code of dataclasses' generated methods between CLI runs, as `__pycache__` keeps modules.

Python 3.11 writes each dataclass's `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__`
and `__delattr__` as source and compiles every one on every start: a deploy defines some 130
dataclasses (ours, pydantic's, annotated_types') and compiled about 630 such functions, ≈ 35 ms
of each command's start-up. The console entry point calls `install()` before the command loads:
the dataclasses module's `exec` then looks each generated source up in a cache file first, and
compiles it (exactly as `exec` would: filename `<string>`, no inherited future flags) only when
it is new; at exit, new code is written back. The generated source is the key, so a changed
class simply misses. Nothing else changes: the same source becomes the same code object.

The file lives under `$XDG_CACHE_HOME/unideploy` (else `~/.cache/unideploy`), one per Python
bytecode version; it is read only when owned by this user and writable by nobody else (it holds
code, like `__pycache__`). A missing, foreign or unreadable file is ignored; a failed write too.
Code that calls `main()` directly (tests, embedding) does not install it.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import dataclasses
import importlib.util
import marshal
import os
import stat
import sys
from pathlib import Path
from types import CodeType
from typing import Any

#: More entries than this (old sources of changed classes pile up) and the file keeps only the
#: sources this run used.
MAX_ENTRIES = 5000


class DataclassCodeCache:
    """Generated dataclass source → its compiled code, loaded from and saved to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.code: dict[str, CodeType] = _read(path)
        self.used: set[str] = set()
        self.hits = 0
        self.added = 0

    def exec(self, source: Any, globals: Any = None, locals: Any = None) -> None:
        """`exec`, with a string source compiled once per source text."""
        if isinstance(source, str):
            self.used.add(source)
            code = self.code.get(source)
            if code is None:
                code = compile(source, "<string>", "exec", dont_inherit=True)
                self.code[source] = code
                self.added += 1
            else:
                self.hits += 1
            source = code
        builtins.exec(source, globals, locals)  # noqa: S102 - dataclasses' generated methods

    def save(self) -> None:
        """Write the cache back when this run compiled something new (atomically; best effort)."""
        if not self.added:
            return
        entries = self.code
        if len(entries) > MAX_ENTRIES:
            entries = {source: entries[source] for source in self.used}
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # 0600 whatever the umask: _read trusts only a file nobody else can write.
            with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                out.write(importlib.util.MAGIC_NUMBER)
                marshal.dump(entries, out)
            os.replace(temp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()


def cache_path() -> Path:
    """The cache file of this Python: `…/unideploy/dataclass-code-cpython-311.marshal`."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "unideploy" / f"dataclass-code-{sys.implementation.cache_tag}.marshal"


def install(path: Path | None = None) -> DataclassCodeCache:
    """Route the dataclasses module's `exec` through a cache saved at exit; returns the cache."""
    cache = DataclassCodeCache(path or cache_path())
    # The dataclasses module finds `exec` among its globals before the builtins: only its own
    # generated methods go through the cache.
    setattr(dataclasses, "exec", cache.exec)  # noqa: B010 - a module global, not an attribute
    atexit.register(cache.save)
    return cache


def _read(path: Path) -> dict[str, CodeType]:
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return {}
            content = handle.read()
    except OSError:
        return {}
    magic = importlib.util.MAGIC_NUMBER
    if content[: len(magic)] != magic:
        return {}
    try:
        # loads of the whole file: marshal.load on a file reads it piece by piece, 6x slower.
        loaded = marshal.loads(memoryview(content)[len(magic) :])  # noqa: S302 - our own file
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {
        source: code
        for source, code in loaded.items()
        if isinstance(source, str) and isinstance(code, CodeType)
    }
