"""What every command shares: the global options object, stack loading, and output helpers.

Commands stay thin: they load the stack, call a library function, then print the result as
text or JSON. Nothing here decides anything about a deployment.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

if TYPE_CHECKING:  # the config model (pydantic) and rich load only when a command needs them
    from rich.console import Console

    from unideploy.config.stack import Stack

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Globals:
    """Options given before the command name."""

    stack_path: Path | None = None
    debug: bool = False
    log_path: Path | None = None
    _stack: Stack | None = field(default=None, repr=False)

    def stack(self) -> Stack:
        """The stack, loaded once per process."""
        if self._stack is None:
            from unideploy.config.load import load_stack

            self._stack = load_stack(self.stack_path)
        return self._stack


def globals_of(ctx: click.Context) -> Globals:
    """The Globals object of the root command."""
    obj = ctx.find_object(Globals)
    return obj if obj is not None else Globals()


def console(stderr: bool = False) -> Console:
    """A rich console; colour off with NO_COLOR or when not a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Not a terminal (CI, pipes): plain text, wide enough that nothing is cut.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def output_option(func: F) -> F:
    """Add `--output text|json` to a command."""
    return click.option(
        "--output",
        "-o",
        "output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for people, json for machines (one document on stdout).",
    )(func)


def environment_option(required: bool = True) -> Callable[[F], F]:
    """Add `-e/--environment ENV` to a command."""
    return click.option(
        "-e",
        "--environment",
        "environment",
        required=required,
        metavar="ENV",
        help="Environment defined in stack.yaml (e.g. development, staging, production).",
    )


def values_options(func: F) -> F:
    """Add `--values FILE` and Helm's `--set`, `--set-string`, `--set-file`, `--set-json`.

    The command receives one `sets` tuple: every expression tagged with its flag, in the order
    Helm applies them (json, set, string, file).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from unideploy.config.set_values import in_helm_order

        kwargs["sets"] = in_helm_order(
            {
                "json": kwargs.pop("set_jsons", ()),
                "set": kwargs.pop("sets", ()),
                "string": kwargs.pop("set_strings", ()),
                "file": kwargs.pop("set_files", ()),
            }
        )
        return func(*args, **kwargs)

    command: Any = wrapper
    for flag, dest, metavar, text in reversed(_SET_FLAGS):
        command = click.option(flag, dest, multiple=True, metavar=metavar, help=text)(command)
    command = click.option(
        "--values",
        "values_files",
        multiple=True,
        type=click.Path(path_type=Path, dir_okay=False),
        metavar="FILE",
        help="Extra environment-shaped values file (global: and release blocks), over the env's.",
    )(command)
    return cast(F, command)


_SET_FLAGS = (
    (
        "--set",
        "sets",
        "KEY.PATH=VALUE",
        "Override values with Helm's --set syntax (\\. escapes a dot, a[0].b=1, {a,b} lists); "
        "the first key is `global` or a release name. Highest layer.",
    ),
    ("--set-string", "set_strings", "KEY.PATH=VALUE", "Like --set, the values stay strings."),
    ("--set-file", "set_files", "KEY.PATH=FILE", "Like --set, each value read from a file."),
    ("--set-json", "set_jsons", "KEY.PATH=JSON", "Like --set, each value a JSON document."),
)


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False, default=str) + "\n")
