"""The JSON Schema of stack.yaml, generated from the model (tests check the committed copy)."""

from __future__ import annotations

from typing import Any

from unideploy.config.model import StackFile

SCHEMA_ID = "https://unideploy.io/schemas/stack.schema.json"


def stack_json_schema() -> dict[str, Any]:
    """The schema, with the YAML spelling of keys (camelCase)."""
    schema = StackFile.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
