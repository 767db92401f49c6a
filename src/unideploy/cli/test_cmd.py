"""`unideploy test`: run stack.yaml's integration tests against a deployed environment.

Thin: plan the run context, run the tests phase alone, record the run in history, then render the
report as console text, JSON, JUnit, Markdown, HTML or all of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from unideploy.cli.common import console, environment_option, globals_of
from unideploy.cli.progress import ProgressPrinter
from unideploy.cli.run_output import run_output
from unideploy.config.tests_model import Category, parse_tests
from unideploy.report import FORMATS, append_step_summary, build_report, render, write_all
from unideploy.report.console import render_console
from unideploy.report.markdown import render_markdown
from unideploy.report.model import Report

DEFAULT_DIR = Path("test-reports")


@click.command("test")
@environment_option()
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=click.Choice([c.value for c in Category]),
    help="Run only this category (repeatable). Default: every category.",
)
@click.option(
    "--output-format",
    "--output",
    "-o",
    "output_format",
    type=click.Choice(FORMATS),
    default="console",
    show_default=True,
    help="console (tables), json, junit (XML), markdown, html, or all of them.",
)
@click.option(
    "--output-file",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write the report here instead of stdout; with `all`, the directory for the files "
    f"(default ./{DEFAULT_DIR}).",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Record this run's perf measurements as the new baselines (passing perf tests only).",
)
@click.pass_context
def test_command(
    ctx: click.Context,
    environment: str,
    categories: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    update_baseline: bool,
) -> int:
    """Run the integration tests of ENV: http, tcp, dns, k8s readiness, perf, security.

    Tests come from the `tests:` section of stack.yaml, in five categories: infrastructure,
    connectivity, application, performance, security. Each failed attempt is retried (default
    3 more times, 5 s apart). The run is recorded; `unideploy report RUN_ID` renders it again.
    Markdown is also appended to $GITHUB_STEP_SUMMARY when that is set. The `tests:` section is
    described in docs/integration-tests.md.

    \b
    Exit 0 when every test passed (or only warned), 1 when one failed, 2 for config errors.

    \b
    Examples:
      unideploy test -e development
      unideploy test -e staging --category connectivity --output-format junit \\
          --output-file test-results.xml
      unideploy test -e development --output-format all --output-file reports/
    """
    from unideploy.execute.phases.tests import load_engines, tests_phase
    from unideploy.execute.runner import Runner, RunOptions
    from unideploy.records.history import save_run, stack_revision
    from unideploy.service.deploy import DeployRequest, pipeline_context

    stack = globals_of(ctx).stack()
    suite = parse_tests(stack)
    out = run_output()
    run_ctx = pipeline_context(stack, DeployRequest(environment=environment))
    chosen = tuple(Category(c) for c in categories)
    load_engines(run_ctx, chosen)
    phase = tests_phase(run_ctx, None, categories=chosen, update_baseline=update_baseline)
    if not phase.steps:
        out.note(f"no tests selected for {environment}: add some under tests.cases in stack.yaml")
    quiet = os.environ.get("UNIDEPLOY_QUIET") == "1"
    runner = Runner(
        RunOptions(parallel=suite.parallel, continue_on_error=True),
        listeners=[] if quiet else [ProgressPrinter(out)],
    )
    flags = {"command": "test", "categories": list(categories), "update_baseline": update_baseline}
    result = runner.run(
        [phase], environment=environment, revision=stack_revision(stack.root), flags=flags
    )
    save_run(result, state_dir=stack.state_dir)
    report = build_report(result)
    append_step_summary(render_markdown(report))
    emit_report(report, output_format, output_file)
    return int(result.exit_code)


def emit_report(report: Report, output_format: str, output_file: Path | None) -> None:
    """Print or write the report in the chosen format (shared with `unideploy report`)."""
    if output_format == "console":
        render_console(report, console())
        return
    if output_format == "all":
        render_console(report, console())
        written = write_all(report, output_file or DEFAULT_DIR)
        listing = ", ".join(str(path) for path in written.values())
        console(stderr=True).print(f"reports written: {listing}", markup=False)
        return
    document = render(report, output_format)
    if output_file is None:
        click.echo(document, nl=False)
        return
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(document, encoding="utf-8")
    console(stderr=True).print(f"report written: {output_file}", markup=False)
