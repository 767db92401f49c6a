"""After `gitops render --push` to the sandbox: ask Flux to fetch the new commit now.

Flux polls its GitRepository at `spec.interval` (one minute as rendered); `flux reconcile source
git` asks for a fetch at once by setting the `reconcile.fluxcd.io/requestedAt` annotation. A push
to the sandbox's repository does the same for every GitRepository in the sandbox that pulls from
the pushed URL, so the commit is applied within seconds. The push has happened either way: a
failure here is reported, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from unideploy.engines.kube.objects import annotate, list_objects
from unideploy.engines.kube.rest import ApiClient
from unideploy.errors import EngineError

REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
SOURCE_API = "source.toolkit.fluxcd.io/v1"


@dataclass(frozen=True)
class Wakeup:
    """The GitRepositories asked to fetch now (namespace/name), or why none could be."""

    sources: tuple[str, ...] = ()
    error: str = ""


def wake_sources(api: ApiClient, url: str, now: datetime) -> Wakeup:
    """Annotate every GitRepository whose spec.url is `url` with requestedAt=`now`."""
    try:
        found = [
            obj
            for obj in list_objects(api, SOURCE_API, "GitRepository", None)
            if (obj.get("spec") or {}).get("url") == url
        ]
    except EngineError as error:
        return Wakeup(error=error.message)
    woken: list[str] = []
    for obj in found:
        meta = obj.get("metadata") or {}
        where = f"{meta.get('namespace')}/{meta.get('name')}"
        reference = {"apiVersion": SOURCE_API, "kind": "GitRepository", "metadata": meta}
        done, why = annotate(api, reference, REQUESTED_AT, now.isoformat())
        if not done:
            return Wakeup(tuple(woken), f"GitRepository {where}: {why}")
        woken.append(where)
    return Wakeup(tuple(woken))
