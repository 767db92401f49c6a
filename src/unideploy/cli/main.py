"""The `unideploy` entry point: global options, lazy command registry, uniform errors, exit codes.

Every UnideployError is printed as `what` + `hint:` on stderr with its exit code; anything
unexpected is logged with its traceback to the debug log and reported in one line; never a
traceback on screen.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from unideploy import __version__
from unideploy.cli import dataclass_code, gcpolicy, logsetup, quickexit
from unideploy.cli.common import Globals
from unideploy.cli.golog import divert_go_logs
from unideploy.cli.preload import runs_command, start_helm_preload
from unideploy.errors import UnideployError
from unideploy.exitcodes import ExitCode
from unideploy.redact import streams

# name → ("module:attribute", the first line of its help). `unideploy --help` prints these lines
# without importing any command module; tests/unit/test_cli_startup.py keeps them equal to the
# commands' own help. A command whose module is not installed is simply not offered.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": (
        "unideploy.cli.validate_cmd:validate_command",
        "Check stack.yaml and the layered values of one environment (all when -e is left out).",
    ),
    "plan": (
        "unideploy.cli.plan_cmd:plan_command",
        "Show the phases, Terraform modules, tiers in order and each release with its needs.",
    ),
    "schema": ("unideploy.cli.schema_cmd:schema_command", "Print the JSON Schema of stack.yaml."),
    "deploy": (
        "unideploy.cli.deploy_cmd:deploy_command",
        "Deploy one environment: preflight → terraform → helm tiers → security → tests.",
    ),
    "rollback": (
        "unideploy.cli.rollback_cmd:rollback_command",
        "Roll the whole stack back: every release to the revision a successful run recorded.",
    ),
    "diff": (
        "unideploy.cli.diff_cmd:diff_command",
        "Show what a deploy of ENV would change, changing nothing.",
    ),
    "sandbox": (
        "unideploy.cli.sandbox:sandbox_group",
        "Run a real local Kubernetes control plane to try a stack on.",
    ),
    "terraform": (
        "unideploy.cli.terraform_cmd:terraform_group",
        "Work with the Terraform phase's state directly.",
    ),
    "secrets": (
        "unideploy.cli.secrets_cmd:secrets_group",
        "Encrypt, decrypt or edit a values file with SOPS (age); "
        "`.sops.yaml` creation rules apply.",
    ),
    "lock": ("unideploy.cli.lock_cmd:lock_group", "Inspect or free an environment's deploy lock."),
    "history": (
        "unideploy.cli.history_cmd:history_command",
        "List past runs, newest first, or show one run "
        "(RUN_ID, or a unique prefix of it) in detail.",
    ),
    "audit": (
        "unideploy.cli.history_cmd:audit_group",
        "Check or read the append-only audit log (.unideploy/audit.jsonl).",
    ),
    "security": (
        "unideploy.cli.security.group:security_group",
        "Check manifests, TLS endpoints and certificates; "
        "exit 1 when a finding reaches the threshold.",
    ),
    "monitoring": (
        "unideploy.cli.monitoring_cmd:monitoring_group",
        "Deployment alert rules and Grafana dashboard, generated from one source.",
    ),
    "health": (
        "unideploy.cli.health_cmd:health_command",
        "Check ENV's cluster: nodes, system pods, workloads, endpoints, "
        "load balancers, certificates.",
    ),
    "report": (
        "unideploy.cli.report_cmd:report_command",
        "Render a recorded run again: its phases, steps, tests and findings.",
    ),
    "test": (
        "unideploy.cli.test_cmd:test_command",
        "Run the integration tests of ENV: http, tcp, dns, k8s readiness, perf, security.",
    ),
    "gitops": (
        "unideploy.cli.gitops.group:gitops_group",
        "Render the stack for Argo CD or Flux, and read their sync state.",
    ),
    "drift": (
        "unideploy.cli.drift_cmd:drift_command",
        "Show what in ENV's cluster is not as the stack says, field by field.",
    ),
    "import": (
        "unideploy.cli.import_cmd:import_group",
        "Write a stack.yaml from another tool's files.",
    ),
    "rbac": (
        "unideploy.cli.rbac_cmd:rbac_command",
        "Print the least-privilege RBAC objects a deploy of ENV needs.",
    ),
    "doctor": (
        "unideploy.cli.doctor_cmd:doctor_command",
        "Find what keeps ENV from deploying, and say how to get out.",
    ),
}

LOG = logging.getLogger("unideploy.cli")


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (target, _) in COMMANDS.items() if _available(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target, _ = COMMANDS.get(cmd_name, ("", ""))
        if not target or not _available(target):
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        gcpolicy.resume_collection()  # the command's modules are loaded: freeze them
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table's help lines: no command module is imported."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="unideploy")
@click.option(
    "--stack",
    "stack_path",
    type=click.Path(path_type=Path),
    envvar="UNIDEPLOY_STACK",
    metavar="PATH",
    help="stack.yaml, or the directory holding it (default: ./stack.yaml; env UNIDEPLOY_STACK).",
)
@click.option(
    "--debug", is_flag=True, help="Stream debug logs to stderr (also DEBUG=true in the environment)"
)
@click.pass_context
def cli(ctx: click.Context, stack_path: Path | None, debug: bool) -> None:
    """Deploy a k3s platform as one honest pipeline, per environment.

    \b
    preflight → terraform → helm (tiers, needs) → security → tests

    \b
    Start with:
      unideploy validate -e development   check stack.yaml and the layered values
      unideploy plan -e production        show phases, tiers and releases in order
    Exit codes: 0 ok, 1 failed, 2 usage/config error, 3 changes detected, 130 interrupted.
    """
    debug = logsetup.debug_requested(debug)
    log_path = logsetup.configure(debug)
    ctx.obj = Globals(stack_path=stack_path, debug=debug, log_path=log_path)
    LOG.debug("unideploy %s: %s", __version__, " ".join(sys.argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    streams.install()
    try:
        result: Any = cli.main(args=args, prog_name="unideploy", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.CONFIG_ERROR
    except UnideployError as exc:
        LOG.debug("error", exc_info=True)
        click.echo(f"error: {exc.render()}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return ExitCode.INTERRUPTED
    except Exception as exc:
        LOG.error("unexpected error", exc_info=True)
        where = logsetup.log_file()
        click.echo(f"error: unexpected {type(exc).__name__}: {exc}", err=True)
        click.echo(f"  hint: the traceback is in {where}; please report it", err=True)
        return ExitCode.FAILED
    return int(result) if isinstance(result, int) else ExitCode.OK


def run() -> None:
    """Console-script entry: exit with main()'s code; Go libraries' logs go to the debug log.

    The Helm SDK starts loading here, beside the imports, for the commands that use it; the
    cyclic garbage collector rests until the command's modules are loaded (cli/gcpolicy.py);
    dataclasses' generated methods come from the code cache (cli/dataclass_code.py); the process
    ends without the interpreter's teardown of its modules (cli/quickexit.py).
    """
    gcpolicy.pause_collection()
    if runs_command(sys.argv[1:]):
        dataclass_code.install()
    divert_go_logs()
    start_helm_preload(sys.argv[1:])
    quickexit.leave_with(main())
