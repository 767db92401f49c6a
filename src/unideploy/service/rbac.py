"""`unideploy rbac`: the least-privilege RBAC objects for deploying one environment.

Plans the environment as a deploy would (Terraform outputs from state when there is some), derives
what each phase uses (execute/phases/rbac.py, kinds resolved through the cluster's API discovery)
and builds the objects (service/rbac_roles.py). With a kubeconfig path, also writes a kubeconfig
for the ServiceAccount from a TokenRequest (the account must exist: apply the objects first).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.config.stack import Stack
from unideploy.errors import ConfigError, UnideployError
from unideploy.execute.lockbase import LOCK_NAMESPACE
from unideploy.execute.phases.rbac import Need, required_needs
from unideploy.execute.phases.terraform import load_state_outputs
from unideploy.service.deploy import DeployRequest, pipeline_context
from unideploy.service.rbac_roles import rbac_objects

LOG = logging.getLogger("unideploy.rbac")
DEFAULT_ACCOUNT = f"{LOCK_NAMESPACE}/unideploy-deployer"


@dataclass(frozen=True)
class RbacResult:
    """The objects to apply, the needs they came from, and the kubeconfig written (if any)."""

    objects: list[dict[str, Any]]
    needs: list[Need]
    kubeconfig: Path | None = None


def parse_account(text: str) -> tuple[str, str]:
    """`NS/NAME` → (namespace, name); a ConfigError otherwise."""
    namespace, _, name = text.partition("/")
    if not namespace or not name or "/" in name:
        raise ConfigError(
            f"--service-account {text!r} is not NAMESPACE/NAME",
            hint=f"e.g. --service-account {DEFAULT_ACCOUNT}",
        )
    return namespace, name


def rbac_for(
    stack: Stack,
    environment: str,
    account: tuple[str, str],
    *,
    kubeconfig_out: Path | None = None,
    token_ttl_s: int = 24 * 3600,
) -> RbacResult:
    """The RBAC objects a deploy of `environment` needs (and optionally a kubeconfig)."""
    ctx = pipeline_context(stack, DeployRequest(environment, dry_run=True))
    if ctx.plan.modules:
        try:
            load_state_outputs(ctx)
        except UnideployError as exc:  # rendering then shows the references, same kinds
            LOG.debug("no Terraform outputs for the RBAC derivation: %s", exc)
    needs = required_needs(ctx, strict=True)
    objects = rbac_objects(needs, stack=stack.file.name, environment=environment, account=account)
    written = None
    if kubeconfig_out is not None:
        from unideploy.engines.kube.token import (
            request_token,
            service_account_kubeconfig,
            write_private,
        )

        api = ctx.kube()
        token = request_token(api, account[0], account[1], token_ttl_s)
        context = ctx.cluster.context
        document = service_account_kubeconfig(api, *account, token, context)
        write_private(kubeconfig_out, document)
        written = kubeconfig_out
    return RbacResult(objects, needs, written)
