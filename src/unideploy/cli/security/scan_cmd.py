"""`unideploy security scan|checks`: the manifest checks over files or the rendered stack.

Thin: parse options, call `unideploy.security`, render text, JSON, SARIF or Prometheus text, and
exit 1 when something reaches the threshold. The deploy pipeline calls the same library itself.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import click

from unideploy.cli.common import console, emit_json, globals_of
from unideploy.cli.security.policy import environment_policy
from unideploy.errors import ConfigError
from unideploy.exitcodes import ExitCode
from unideploy.security import render
from unideploy.security.manifests.policy import Policy, evaluate
from unideploy.security.manifests.registry import Severity, all_checks, check_by_id
from unideploy.security.manifests.scan import MAX_FILE_BYTES, scan
from unideploy.security.sarif import to_sarif
from unideploy.service.render import render_stack, write_rendered

SEVERITIES = [s.value for s in Severity] + ["none"]


def _fail_on(text: str | None) -> Severity | None:
    return None if text in (None, "none") else Severity.parse(str(text), what="--fail-on")


def _needs_stack(what: str) -> ConfigError:
    """The hook for `-e ENV`: stack rendering is not wired into these commands yet."""
    return ConfigError(
        f"{what} -e ENV needs the stack's rendered manifests and endpoints, not available here yet",
        hint="pass --manifests DIR (e.g. `helm template` output) or --endpoint HOST:PORT instead",
    )


@click.command("scan")
@click.option(
    "--manifests",
    "-m",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="YAML file or directory (recursive, *.yaml/*.yml, multi-document). Repeatable.",
)
@click.option(
    "-e",
    "--environment",
    metavar="ENV",
    help="Apply ENV's policy (development reports, staging fails on high, production on "
    "medium and enforces PSS restricted). Scanning ENV's rendered stack without --manifests "
    "is not wired in yet: render with `helm template` and pass the output.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 when a finding is this severe or worse [default: high, or ENV's policy].",
)
@click.option("--check", "only", multiple=True, metavar="ID", help="Run only these checks.")
@click.option("--skip", multiple=True, metavar="ID", help="Do not run these checks.")
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=MAX_FILE_BYTES // 2**20,
    show_default=True,
    metavar="MiB",
    help="Larger files are reported, not read.",
)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="sarif is SARIF 2.1.0 for code-scanning UIs.",
)
@click.pass_context
def scan_command(
    ctx: click.Context,
    manifests: tuple[Path, ...],
    environment: str | None,
    fail_on: str | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    max_file_size: int,
    output: str,
) -> None:
    """Scan Kubernetes manifests with every UD-K8S check (list them: `security checks`).

    Unreadable files, documents that are not Kubernetes objects and misspelt kinds are reported one
    by one and also make the exit code 1; custom resources are listed as skipped.
    """
    if not manifests and not environment:
        raise ConfigError(
            "nothing to scan", hint="pass --manifests PATH (a file or a directory), or -e ENV"
        )
    with tempfile.TemporaryDirectory(prefix="unideploy-scan-") as rendered_dir:
        if not manifests:
            # -e ENV alone: the stack's releases rendered as a deploy would apply them.
            releases = render_stack(globals_of(ctx).stack(), str(environment))
            manifests = tuple(write_rendered(releases, Path(rendered_dir)))
        _scan(ctx, manifests, environment, fail_on, only, skip, max_file_size, output)


def _scan(
    ctx: click.Context,
    manifests: tuple[Path, ...],
    environment: str | None,
    fail_on: str | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    max_file_size: int,
    output: str,
) -> None:
    chosen = [check_by_id(i) for i in only] if only else list(all_checks())
    skipped = {check_by_id(i).id for i in skip}
    chosen = [c for c in chosen if c.id not in skipped]
    result = scan(
        list(manifests),
        checks=chosen,
        max_bytes=max_file_size * 2**20,
        environment=environment,
    )
    policy, origin = (
        environment_policy(ctx, environment)
        if environment
        else (Policy("", Severity.HIGH, None), "")
    )
    if fail_on is not None:
        policy = replace(policy, fail_on=_fail_on(fail_on))
    result = replace(result, findings=policy.exempt(result.findings))
    verdict = evaluate(result.findings, policy)
    if output == "json":
        emit_json({**result.to_json(), "verdict": {**verdict.to_json(), "policy_from": origin}})
    elif output == "sarif":
        sys.stdout.write(json.dumps(to_sarif(result, chosen, base=Path.cwd()), indent=2) + "\n")
    else:
        out = console()
        render.scan_text(out, result)
        if origin:
            out.print(f"policy of {environment} from {origin}")
        out.print(verdict.summary())
    ctx.exit(ExitCode.FAILED if result.errors or not verdict.passed else ExitCode.OK)


@click.command("checks")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text")
def checks_command(output: str) -> None:
    """List every manifest check: ID, severity, title, rationale and checkov/kubescape IDs."""
    checks = all_checks()
    if output == "json":
        emit_json(
            [
                {
                    "id": c.id,
                    "severity": c.severity.value,
                    "title": c.title,
                    "rationale": c.rationale,
                    "references": list(c.references),
                }
                for c in checks
            ]
        )
    else:
        render.checks_text(console(), checks)
