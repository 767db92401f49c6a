"""`gitops bootstrap`: the GitRepository and root Kustomization that point Flux at a rendering.

After `gitops render --flavor flux --push`, Flux needs two objects in flux-system to start: the
GitRepository (the same object `sources.yaml` holds, so the root Kustomization adopts it without
a conflict) and a Kustomization applying `<path-in-repo>/flux/clusters/<cluster>`, which holds the
sources and one Kustomization per tier. `bootstrap_objects` builds them (pure); `apply_bootstrap`
server-side applies them, and the age key Secret the tiers' SOPS decryption reads, to the cluster.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.config.stack import Stack
from unideploy.engines.kube.apply import server_side_apply
from unideploy.errors import ConfigError, EngineError
from unideploy.gitops.flux import (
    INTERVAL,
    KUSTOMIZE_API,
    NAMESPACE,
    RETRY_INTERVAL,
    git_repository,
)
from unideploy.gitops.layout import ENVIRONMENT_LABEL, PART_OF, GitTarget
from unideploy.gitops.push import redact_url, sandbox_gitops
from unideploy.gitops.secrets import DECRYPTION_SECRET

AGE_KEY_ENTRY = "age.agekey"  # kustomize-controller reads every `*.agekey` entry of the Secret


@dataclass(frozen=True)
class BootstrapRequest:
    """What `unideploy gitops bootstrap` was asked for."""

    environment: str
    repo_url: str | None = None
    revision: str = "main"
    cluster: str | None = None
    path_in_repo: str = ""


@dataclass(frozen=True)
class Applied:
    """One object applied, and whether the server created it or changed an existing one."""

    kind: str
    namespace: str
    name: str
    created: bool

    def line(self) -> str:
        """`created GitRepository flux-system/homelab`."""
        verb = "created" if self.created else "configured"
        return f"{verb} {self.kind} {self.namespace}/{self.name}"


def bootstrap_url(stack: Stack, request: BootstrapRequest) -> str:
    """--repo-url, else the URL of the running Flux sandbox of the environment's kubeconfig."""
    if request.repo_url:
        return request.repo_url
    sandbox = sandbox_gitops(stack.kubeconfig(request.environment))
    if sandbox is None:
        raise ConfigError(
            "the Git repository URL Flux pulls from is not known",
            hint="pass --repo-url (the URL `gitops render --push` pushed to), or start the "
            "sandbox with `unideploy sandbox up --gitops flux`",
        )
    return sandbox["url"]


def bootstrap_objects(stack: Stack, request: BootstrapRequest) -> list[dict[str, Any]]:
    """The GitRepository and the root Kustomization of the environment's cluster directory."""
    stack.environment(request.environment)
    name = stack.file.name
    cluster = request.cluster or name
    tags = {PART_OF: name, ENVIRONMENT_LABEL: request.environment}
    target = GitTarget(bootstrap_url(stack, request), request.revision, "", "")
    path = target.repo_path(request.path_in_repo.strip("/"), "flux", "clusters", cluster)
    root = {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": dict(tags)},
        "spec": {
            "interval": INTERVAL,
            "retryInterval": RETRY_INTERVAL,
            "sourceRef": {"kind": "GitRepository", "name": name},
            "path": f"./{path}",
            "prune": True,
        },
    }
    return [git_repository(name, tags, target), root]


def age_key_secret(key_file: Path) -> dict[str, Any]:
    """The Secret the tiers' `decryption.secretRef` names, holding the age private key(s)."""
    try:
        data = key_file.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the age key file {key_file}: {exc.strerror}",
            hint="pass the file age-keygen wrote (AGE-SECRET-KEY-... lines)",
        ) from exc
    if b"AGE-SECRET-KEY-" not in data:
        raise ConfigError(
            f"{key_file} holds no age private key (AGE-SECRET-KEY-... line)",
            hint="pass the file age-keygen wrote, the one SOPS_AGE_KEY_FILE names",
        )
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": DECRYPTION_SECRET, "namespace": NAMESPACE},
        "type": "Opaque",
        "data": {AGE_KEY_ENTRY: base64.b64encode(data).decode("ascii")},
    }


def apply_bootstrap(api: Any, objects: list[dict[str, Any]]) -> list[Applied]:
    """Server-side apply `objects` (forcing ownership, as `flux bootstrap` does), in order."""
    done: list[Applied] = []
    for obj in objects:
        meta = obj["metadata"]
        outcome = server_side_apply(api, obj, namespace=NAMESPACE, dry_run=False, force=True)
        if outcome.obj is None:
            hint = (
                "install Flux first (`unideploy sandbox up --gitops flux`, or `flux install`)"
                if outcome.status == 404
                else "see the API server's message"
            )
            raise EngineError(
                f"apply of {obj['kind']} {NAMESPACE}/{meta['name']} refused: "
                f"HTTP {outcome.status} {redact_url(outcome.reason)}",
                hint=hint,
            )
        done.append(Applied(obj["kind"], NAMESPACE, meta["name"], outcome.status == 201))
    return done
