"""Start loading the Helm SDK while the CLI imports the rest, for the commands that use it.

Loading Helm's Go library is quick (dlopen), but the Go runtime then starts in its own thread
and the first call into it waits ≈ 30 ms for that. The console entry point calls
`start_helm_preload(argv)` before anything heavy is imported: for `deploy`, `diff`, `drift` and
`rollback` (not for `--help`), a daemon thread imports `unideploy.engines.helm.lib` — which sets
HELM_PLUGINS, keeps SIGINT/SIGTERM with Python and waits for the runtime — while the main thread
imports the config model and the engines on the other core. The engines' own
`import unideploy.engines.helm.lib` later waits for that thread's import, so the order the rest
of the program relies on (Helm loaded and the signals given back before the runner installs its
handlers) is unchanged. A failed preload is forgotten: the regular import repeats it and reports.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Sequence

LOG = logging.getLogger("unideploy.cli")

#: The commands that load the Helm SDK on every run.
HELM_COMMANDS = frozenset({"deploy", "diff", "drift", "rollback"})
#: Global options that take a value (the value is not the command's name).
_VALUED = frozenset({"--stack"})
_HELP = frozenset({"-h", "--help"})


def command_of(args: Sequence[str]) -> str | None:
    """The subcommand `args` name, past the global options; None when there is none."""
    skip_value = False
    for arg in args:
        if skip_value:
            skip_value = False
        elif arg in _VALUED:
            skip_value = True
        elif not arg.startswith("-"):
            return arg
    return None


def runs_command(args: Sequence[str]) -> bool:
    """True when `args` run a command rather than ask for help or the version."""
    return command_of(args) is not None and not _HELP.intersection(args)


def wants_helm(args: Sequence[str]) -> bool:
    """True when `args` run a command that loads Helm (and do not ask for help)."""
    return runs_command(args) and command_of(args) in HELM_COMMANDS


def start_helm_preload(args: Sequence[str]) -> threading.Thread | None:
    """Start importing the Helm SDK in a daemon thread when `args` will need it."""
    if not wants_helm(args):
        return None
    thread = threading.Thread(target=_import_helm, name="helm-preload", daemon=True)
    thread.start()
    return thread


def _import_helm() -> None:
    try:
        importlib.import_module("unideploy.engines.helm.lib")
    except Exception:  # the regular import raises it again, with its message
        LOG.debug("preloading the Helm SDK failed", exc_info=True)
