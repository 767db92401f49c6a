"""After `gitops render --push` to the sandbox: ask Flux to fetch the new commit now.

Flux polls its GitRepository at `spec.interval` (one minute as rendered); `flux reconcile source
git` asks for a fetch at once by setting the `reconcile.fluxcd.io/requestedAt` annotation. A push
to the sandbox's repository does the same for every GitRepository in the sandbox that pulls from
the pushed URL, so the commit is applied within seconds; with `--chart-repo sandbox` every
HelmRepository of the sandbox's chart repository is asked too, so the charts' new versions are
in the index source-controller reads. The push has happened either way: a failure here is
reported, never raised.
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
    """The sources asked to fetch now (namespace/name), or why not all could be."""

    sources: tuple[str, ...] = ()  # GitRepositories
    error: str = ""
    charts: tuple[str, ...] = ()  # HelmRepositories


def wake_sources(api: ApiClient, url: str, now: datetime, charts_url: str | None = None) -> Wakeup:
    """Set requestedAt=`now` on each GitRepository of `url`, HelmRepository of `charts_url`."""
    charts: tuple[str, ...] = ()
    if charts_url is not None:
        charts, error = _wake(api, "HelmRepository", charts_url, now)
        if error:
            return Wakeup(error=error, charts=charts)
    sources, error = _wake(api, "GitRepository", url, now)
    return Wakeup(sources, error, charts)


def _wake(api: ApiClient, kind: str, url: str, now: datetime) -> tuple[tuple[str, ...], str]:
    try:
        found = [
            obj
            for obj in list_objects(api, SOURCE_API, kind, None)
            if str((obj.get("spec") or {}).get("url", "")).rstrip("/") == url.rstrip("/")
        ]
    except EngineError as error:
        return (), error.message
    woken: list[str] = []
    for obj in found:
        meta = obj.get("metadata") or {}
        where = f"{meta.get('namespace')}/{meta.get('name')}"
        reference = {"apiVersion": SOURCE_API, "kind": kind, "metadata": meta}
        done, why = annotate(api, reference, REQUESTED_AT, now.isoformat())
        if not done:
            return tuple(woken), f"{kind} {where}: {why}"
        woken.append(where)
    return tuple(woken), ""
