"""`unideploy schema`: print the JSON Schema of stack.yaml (for editors; committed as schema/)."""

from __future__ import annotations

import json

import click

from unideploy.config.schema import stack_json_schema
from unideploy.exitcodes import ExitCode


@click.command("schema")
def schema_command() -> int:
    """Print the JSON Schema of stack.yaml.

    \b
    Editors with YAML language support can use it, e.g. a first line of
      # yaml-language-server: $schema=schema/stack.schema.json
    """
    click.echo(json.dumps(stack_json_schema(), indent=2, sort_keys=True))
    return ExitCode.OK
