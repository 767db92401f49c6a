"""Keep decrypted values out of a GitOps rendering: what each controller can decrypt itself.

Runs on the files a flavour rendered, before they are written. Flux: a release's secret values
move to a Secret encrypted with SOPS for the same age recipients as the source files (metadata in
clear, `data`/`stringData` encrypted), read by the HelmRelease's `valuesFrom`, and its tier's
Kustomization gets `spec.decryption` (provider sops). Argo CD: a release with secret values is
delivered as its rendered objects (a directory source) with every Secret sealed for the
sealed-secrets controller (`--seal-cert`). Manifests: every Secret sealed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from unideploy.engines.sops.builtin import encrypt_document
from unideploy.engines.sops.tree import Rules
from unideploy.errors import ConfigError
from unideploy.gitops.files import Files
from unideploy.gitops.layout import GitTarget
from unideploy.gitops.sealed import load_certificate, seal
from unideploy.redact.values import contains_secret, plain, split
from unideploy.service.desired import DesiredRelease, DesiredState

#: The Secret in flux-system holding the age private key (`sops-age`, as Flux's guide names it).
DECRYPTION_SECRET = "sops-age"  # noqa: S105 - a Secret's name, not a password
VALUES_KEY = "values.yaml"
SECRET_FIELDS = Rules(encrypted_regex="^(data|stringData)$")


def has_secrets(state: DesiredState) -> bool:
    """True when any release's values hold a decrypted secret."""
    return any(contains_secret(item.values) for item in state.releases)


def protect_flux(files: Files, recipients: Sequence[str], now: datetime) -> Files:
    """Move secret values out of each HelmRelease into a SOPS-encrypted Secret."""
    out: Files = {}
    tiers_with_secrets: set[str] = set()
    for path, objects in files.items():
        kept: list[dict[str, Any]] = []
        for obj in objects:
            spec = obj.get("spec") or {}
            if obj.get("kind") != "HelmRelease" or not contains_secret(spec.get("values")):
                kept.append(obj)
                continue
            if not recipients:
                raise ConfigError(
                    "no age recipient to encrypt the Flux values Secret for",
                    hint="encrypt the values files with sops for age recipients",
                )
            public, hidden = split(spec["values"])
            name = f"{obj['metadata']['name']}-values"
            spec["values"] = public
            spec["valuesFrom"] = [{"kind": "Secret", "name": name, "valuesKey": VALUES_KEY}]
            secret = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": name, "namespace": obj["metadata"]["namespace"]},
                "type": "Opaque",
                "stringData": {VALUES_KEY: yaml.safe_dump(plain(hidden), sort_keys=False)},
            }
            out[path.removesuffix(".yaml") + "-values.sops.yaml"] = [
                # The MAC follows document order, and the files are written with sorted keys.
                encrypt_document(_sorted(secret), recipients, SECRET_FIELDS, now)
            ]
            kept.append(obj)
            tiers_with_secrets.add(path.split("/")[-2])
        out[path] = kept
    for objects in out.values():
        for obj in objects:
            if (
                obj.get("kind") == "Kustomization"
                and obj["spec"]["path"].rstrip("/").split("/")[-1] in tiers_with_secrets
            ):
                obj["spec"]["decryption"] = {
                    "provider": "sops",
                    "secretRef": {"name": DECRYPTION_SECRET},
                }
    return out


def _cert(seal_cert: Path | None, flavor: str) -> Any:
    if seal_cert is None:
        raise ConfigError(
            f"the {flavor} rendering holds decrypted secret values",
            hint="pass --seal-cert FILE (the sealed-secrets controller's certificate, from "
            "`kubeseal --fetch-cert`) so they are sealed, never written in clear",
        )
    return load_certificate(seal_cert)


def seal_secrets(files: Files, seal_cert: Path | None) -> Files:
    """Every Secret with data in `files` replaced by its SealedSecret."""
    if not any(_is_secret(obj) for objects in files.values() for obj in objects):
        return files
    key = _cert(seal_cert, "manifests")
    return {
        path.replace("/secret-", "/sealedsecret-"): [
            seal(obj, key) if _is_secret(obj) else obj for obj in objects
        ]
        for path, objects in files.items()
    }


def protect_argocd(
    files: Files, state: DesiredState, target: GitTarget, seal_cert: Path | None
) -> Files:
    """Releases with secret values become directory Applications of sealed, rendered objects."""
    secret_items = {
        (item.release.namespace, item.release.name): item
        for item in state.releases
        if contains_secret(item.values)
    }
    if not secret_items:
        return files
    key = _cert(seal_cert, "argocd")
    out: Files = dict(files)
    for objects in files.values():
        for obj in objects:
            helm = ((obj.get("spec") or {}).get("source") or {}).get("helm")
            if obj.get("kind") != "Application" or not helm:
                continue
            namespace = obj["spec"]["destination"]["namespace"]
            item = secret_items.get((namespace, helm["releaseName"]))
            if item is None:
                continue
            base = f"argocd/rendered/{namespace}/{item.release.name}"
            out.update(_rendered(item, base, key))
            obj["spec"]["source"] = {
                "repoURL": target.url,
                "targetRevision": target.revision,
                "path": target.repo_path(target.out_path, base),
                "directory": {"recurse": True},
            }
    return out


def _rendered(item: DesiredRelease, base: str, key: Any) -> Files:
    files: Files = {}
    for index, obj in enumerate(item.objects()):
        meta = obj.get("metadata") or {}
        kind = "SealedSecret" if _is_secret(obj) else str(obj.get("kind"))
        stem = f"{index:03d}-{kind}-{meta.get('name')}".lower().replace(":", "_")
        files[f"{base}/{stem}.yaml"] = [seal(obj, key) if _is_secret(obj) else obj]
    return files


def _sorted(tree: Any) -> Any:
    if isinstance(tree, Mapping):
        return {key: _sorted(tree[key]) for key in sorted(tree)}
    return tree


def _is_secret(obj: Mapping[str, Any]) -> bool:
    return obj.get("kind") == "Secret" and bool(obj.get("data") or obj.get("stringData"))
