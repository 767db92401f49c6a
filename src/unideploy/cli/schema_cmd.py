"""`unideploy schema`: print the JSON Schema of stack.yaml (for editors; committed as schema/).

The schema is generated from the config model by `make schema` and shipped inside the package, so
printing it loads neither pydantic nor the model; tests check that both copies equal the model's.
"""

from __future__ import annotations

import json
from importlib import resources

import click

from unideploy.exitcodes import ExitCode

PACKAGED = "data/stack.schema.json"


def packaged_schema() -> str:
    """The schema file shipped with the package."""
    return resources.files("unideploy").joinpath(PACKAGED).read_text(encoding="utf-8")


@click.command("schema")
@click.option(
    "--from-model",
    is_flag=True,
    hidden=True,
    help="Generate from the config model instead of printing the shipped copy (make schema).",
)
def schema_command(from_model: bool) -> int:
    """Print the JSON Schema of stack.yaml.

    \b
    Editors with YAML language support can use it, e.g. a first line of
      # yaml-language-server: $schema=schema/stack.schema.json
    """
    if from_model:
        from unideploy.config.schema import stack_json_schema

        click.echo(json.dumps(stack_json_schema(), indent=2, sort_keys=True))
    else:
        click.echo(packaged_schema(), nl=False)
    return ExitCode.OK
