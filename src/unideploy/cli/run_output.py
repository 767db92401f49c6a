"""Which output a run's progress and summary get: rich on a terminal, plain text elsewhere.

Decided as rich decides whether it writes to a terminal (`TTY_COMPATIBLE`, then `FORCE_COLOR`,
then the stream itself), so forcing colours in CI works as it does for any rich program — and
rich is imported only when it will be used.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from unideploy.cli.progress import PlainOutput, RunOutput


def is_terminal(stream: TextIO) -> bool:
    """Whether output to `stream` gets colours and boxes (rich's own rules for its env vars)."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    forced = os.environ.get("FORCE_COLOR")
    if forced is not None:
        return forced != ""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_output() -> RunOutput:
    """Rich output when stderr is a terminal, plain text otherwise."""
    if is_terminal(sys.stderr):
        from unideploy.cli.rich_output import RichOutput

        return RichOutput()
    return PlainOutput()
