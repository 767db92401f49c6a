"""Garbage collection in one CLI process: none while the command loads, then only what it makes.

CPython's cyclic collector walks every object it tracks. A deploy holds some 45,000 from its
imports alone (the config model, the engines, the HTTP stack), none of which ever becomes
garbage, yet each full collection walked them all again — about a tenth of a no-op deploy, the
last collection at exit included. The console entry point pauses collection before anything is
imported; once the command's module is loaded, what exists is frozen (`gc.freeze`: the
permanent generation, never walked again, not even at exit) and collection resumes for the
objects the command itself creates. Code that calls `main()` directly (tests, embedding) keeps
the interpreter's usual collector.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collection() -> None:
    """Stop the cyclic collector until `resume_collection` (the console entry calls this)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collection() -> None:
    """Freeze everything loaded so far and collect again, if `pause_collection` paused it."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
