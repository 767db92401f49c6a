"""Before a rendering is written: no secret value may land in git in clear text.

`render` calls `refuse_secrets` after the flavour's files are built and protected (gitops.secrets
encrypts or seals what came from SOPS files): what is left under a secret-looking key of a
release's values, or in a Secret of a manifests rendering, is refused unless `--allow-secrets`.
"""

from __future__ import annotations

import re
from typing import Any

from unideploy.errors import ConfigError
from unideploy.gitops.secrets import has_secrets
from unideploy.redact.values import is_secret
from unideploy.service.desired import DesiredState

_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|credential|private[-_]?key|api[-_]?key|^key$", re.I
)
#: Keys that name a secret rather than hold one (secretName, existingSecret, tokenFile, ...).
_REFERENCE_KEY = re.compile(r"(name|ref|path|file)$|^existing", re.I)


def refuse_secrets(state: DesiredState, flavor: str, *, sealed: bool = False) -> None:
    """A rendering is committed to git in clear text: no secret values in it unless allowed.

    Values decrypted from SOPS files are left to `_protect`; with `sealed`, so are Secrets.
    """
    found: list[str] = []
    for item in state.releases:
        if flavor == "manifests" and (sealed or has_secrets(state)):
            continue
        if flavor == "manifests":
            found += [
                f"{item.key}: Secret {obj['metadata']['name']}"
                for obj in item.objects()
                if obj.get("kind") == "Secret" and (obj.get("data") or obj.get("stringData"))
            ]
        else:
            found += [f"{item.key}: values {path}" for path in secret_values(item.values)]
    if found:
        raise ConfigError(
            f"the {flavor} rendering would put secret values into git: {', '.join(found[:3])}"
            + (f" (and {len(found) - 3} more)" if len(found) > 3 else ""),
            hint="keep secrets out of values (reference an existing Secret, sealed or external), "
            "or pass --allow-secrets if the repository is meant to hold them",
        )


def secret_values(values: Any, at: str = "") -> list[str]:
    """Paths of non-empty values under keys that look secret (password, token, apiKey, ...)."""
    found = []
    if isinstance(values, dict):
        for key, value in values.items():
            path = f"{at}.{key}" if at else str(key)
            if (
                _SECRET_KEY.search(str(key))
                and not _REFERENCE_KEY.search(str(key))
                and isinstance(value, str | int)
                and not isinstance(value, bool)
                and not is_secret(value)
                and str(value)
            ):
                found.append(path)
            else:
                found.extend(secret_values(value, path))
    elif isinstance(values, list):
        for index, item in enumerate(values):
            found.extend(secret_values(item, f"{at}[{index}]"))
    return found
