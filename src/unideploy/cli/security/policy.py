"""The security policy an environment's stack gives the `unideploy security` commands.

Shared by the scan and the live audit; reads the stack only when one is in reach.
"""

from __future__ import annotations

import click

from unideploy.cli.common import globals_of
from unideploy.errors import ConfigError
from unideploy.security.manifests.policy import Policy, policy_for


def environment_policy(ctx: click.Context, environment: str) -> tuple[Policy, str]:
    """ENV's policy and where it came from.

    Built-in defaults, then the values' `global.security`, then stack.yaml's `security.<ENV>`
    block; the built-in defaults alone when no stack file is in reach.
    """
    from unideploy.config.layering import load_environment_values
    from unideploy.config.load import find_stack_file

    given = globals_of(ctx).stack_path
    try:
        find_stack_file(given)
    except ConfigError:
        if given is not None:
            raise
        return policy_for(environment), "built-in defaults (no stack.yaml here)"
    stack = globals_of(ctx).stack()
    values = load_environment_values(stack, environment).global_values.get("security") or {}
    overrides = (stack.file.security or {}).get(environment) or {}
    if not isinstance(values, dict) or not isinstance(overrides, dict):
        raise ConfigError(
            f"security settings of {environment} must be mappings",
            hint="global.security in the values, security.<env> in stack.yaml",
        )
    exemptions = stack.security_exemptions()
    return policy_for(environment, values, overrides, exemptions), stack.shown(stack.path)
