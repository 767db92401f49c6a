"""`unideploy gitops charts`: the stack's local charts as a Helm chart repository directory."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from unideploy.cli.common import console, emit_json, globals_of, output_option
from unideploy.exitcodes import ExitCode
from unideploy.gitops.chartrepo import Published, chart_versions, publish_charts


@click.command("charts")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="The repository directory: archives are added, index.yaml is rewritten (merged).",
)
@click.option("--url", help="The URL the directory is served at (absolute URLs in index.yaml).")
@output_option
@click.pass_context
def charts_command(ctx: click.Context, out: Path, url: str | None, output: str) -> int:
    """Package every local chart of the stack into a Helm chart repository directory.

    \b
    Each chart is packaged as <its version>+<content digest>: an edited chart is a new
    version, an unchanged one the archive already there. Serve --out as static files
    (any web server, a bucket, GitHub Pages) and render with `gitops render --chart-repo URL`:
    the HelmReleases (Flux) or Applications (Argo CD) then name those exact versions.

    \b
    Examples:
      unideploy gitops charts --out public/charts --url https://charts.example.org
      unideploy gitops render -e production --flavor flux --out gitops \\
          --chart-repo https://charts.example.org
    """
    charts = tuple(chart_versions(globals_of(ctx).stack()).values())
    published = publish_charts(charts, out, url.rstrip("/") if url else None)
    if output == "json":
        emit_json(published.to_dict())
    else:
        print_published(published)
    return ExitCode.OK


def print_published(published: Published) -> None:
    """One line per chart: its version, and whether it was packaged now."""
    out = console()
    where = published.url or str(published.directory)
    for chart in published.charts:
        what = "packaged" if chart.archive in published.packaged else "already there"
        out.print(f"{escape(chart.path)}: {chart.name} {chart.version} ({what})")
    out.print(f"chart repository {escape(where)}: index.yaml written to {published.directory}")
