"""Did-you-mean suggestions for names the user mistyped; used by every config error."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return the closest choice to `word`, or None when nothing is close."""
    options = list(choices)
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    prefixed = [choice for choice in options if word and choice.startswith(word)]
    return prefixed[0] if len(prefixed) == 1 else None


def hint_for(word: str, choices: Iterable[str], kind: str) -> str:
    """A hint line: a suggestion if one is close, and the valid choices."""
    options = sorted(set(choices))
    close = did_you_mean(word, options)
    listed = ", ".join(options) if options else "(none)"
    if close:
        return f'did you mean "{close}"? Defined {kind}: {listed}'
    return f"defined {kind}: {listed}"
