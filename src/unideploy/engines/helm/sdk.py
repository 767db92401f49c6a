"""The real HelmEngine: Helm 4's Go SDK in-process (helm-python-sdk), releases stored as Secrets.

Rendering is offline; everything else talks to the cluster named by a kubeconfig path + context.
Every SDK failure leaves here as an EngineError naming the release (see `helm_errors`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from unideploy.engines.cancel_relay import relay_cancel
from unideploy.engines.helm.actions import install_or_upgrade, rollback
from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import (
    DEFAULT_TIMEOUT_S,
    Manifest,
    ReleaseSpec,
    Rendered,
    Revision,
    has_live_revision,
)
from unideploy.engines.helm.crds import release_crds
from unideploy.engines.helm.errors import engine_error, secret_object_strings
from unideploy.engines.helm.lib import hp
from unideploy.engines.helm.live import deployed_manifest, reads_cluster, server_dry_run
from unideploy.engines.helm.postrender import PLUGIN_NAME, install_plugin, kept_file
from unideploy.engines.helm.render import split_and_sort
from unideploy.errors import EngineError

log = logging.getLogger(__name__)

STORAGE_DRIVER = "secret"
#: Revisions kept per release (the Helm CLI's default for `upgrade --history-max`).
MAX_HISTORY = 10
# States whose description a deploy does not need ("Upgrade complete", "Rollback to 2").
QUIET_STATES = ("deployed", "superseded")


def revision_from(summary: dict[str, Any], namespace: str) -> Revision:
    """Build a Revision from the SDK's release summary (history, list, install, upgrade)."""
    chart = str(summary.get("chart_name") or summary.get("chart") or "")
    version = str(summary.get("chart_version") or "")
    updated = summary.get("deployed_at") or summary.get("last_deployed") or summary.get("updated")
    return Revision(
        release=str(summary.get("name", "")),
        namespace=str(summary.get("namespace") or namespace),
        revision=int(summary.get("revision") or summary.get("version") or 0),
        status=str(summary.get("status", "unknown")),
        chart=f"{chart}-{version}" if version else chart,
        app_version=str(summary.get("app_version") or ""),
        updated=str(updated or ""),
        description=str(summary.get("description") or ""),
    )


class SdkHelm:
    """HelmEngine on helm-python-sdk. Safe to share between threads for different releases."""

    def __init__(
        self,
        kubeconfig: Path | str | None = None,
        context: str | None = None,
        *,
        cache: ChartCache | None = None,
    ) -> None:
        self.kubeconfig = None if kubeconfig is None else str(Path(kubeconfig).expanduser())
        self.context = context
        self.charts = cache if cache is not None else ChartCache()
        self._configs: dict[str, hp.Config] = {}
        self._lock = threading.Lock()

    # --- plumbing ---------------------------------------------------------------------------

    def _config(self, namespace: str) -> hp.Config:
        with self._lock:
            cfg = self._configs.get(namespace)
            if cfg is None:
                cfg = hp.Config(
                    kubeconfig_path=self.kubeconfig,
                    kube_context=self.context,
                    namespace=namespace,
                    storage_driver=STORAGE_DRIVER,
                )
                self._configs[namespace] = cfg
            return cfg

    def close(self) -> None:
        """Release the SDK handles (the engine stays usable; handles are recreated on demand)."""
        with self._lock:
            for cfg in self._configs.values():
                cfg.close()
            self._configs.clear()

    @staticmethod
    @contextlib.contextmanager
    def _cancellable(cancel: threading.Event | None) -> Iterator[hp.HelmContext | None]:
        """A HelmContext cancelled as soon as `cancel` is set (None when there is no token)."""
        if cancel is None:
            yield None
            return
        ctx = hp.HelmContext()
        done = threading.Event()
        watcher = threading.Thread(
            target=relay_cancel, args=(cancel, done, ctx.cancel), name="helm-cancel", daemon=True
        )
        watcher.start()
        try:
            yield ctx
        finally:
            done.set()
            watcher.join()
            ctx.close()

    # --- HelmEngine -------------------------------------------------------------------------

    def render(self, spec: ReleaseSpec, *, live: bool = False) -> Rendered:
        """Render; objects sorted in install order; the chart's digest included.

        Offline by default. With `live`, a chart whose templates call `lookup` renders through
        Helm's server-side dry run of the install or upgrade it would run now, so `lookup` sees
        what the cluster holds (other charts render the same offline, without the round trips).
        """
        resolved = self.charts.resolve(spec)
        values = spec.plain_values()
        try:
            with hp.Chart.load(resolved.path) as chart:
                name, version = chart.name, chart.version
                looks_up = reads_cluster(Path(resolved.path))
                if live and looks_up:
                    cfg = self._config(spec.namespace)
                    installed = self._installed(spec.name, spec.namespace)
                    objects, hooks = server_dry_run(cfg, chart, spec, installed=installed)
                else:
                    raw = chart.render(
                        values, name=spec.name, namespace=spec.namespace, is_install=True
                    )
                    objects, hooks = split_and_sort(raw, spec.name)
                crds = release_crds(chart, resolved.path, values, spec.name)
        except hp.HelmError as exc:
            raise engine_error(exc, spec, "render") from exc
        return Rendered(
            spec.name,
            spec.namespace,
            name,
            version,
            resolved.digest,
            objects,
            hooks,
            tuple(crds),
            reads_cluster=looks_up,
        )

    def chart_digest(self, spec: ReleaseSpec) -> str:
        """The chart's digest (a local directory by content, an archive by Helm's digest)."""
        return self.charts.resolve(spec).digest

    def deployed_manifest(self, name: str, namespace: str) -> tuple[Manifest, ...]:
        """The objects Helm recorded for the release's last deployed revision (empty: none)."""
        spec = ReleaseSpec(name=name, namespace=namespace, chart="")
        try:
            return deployed_manifest(self._config(namespace), name)
        except hp.HelmNotFoundError:
            return ()
        except hp.HelmError as exc:
            raise engine_error(exc, spec, "get manifest") from exc

    def upgrade(self, spec: ReleaseSpec, *, cancel: threading.Event | None = None) -> Revision:
        """Install when the release has no live revision, upgrade otherwise."""
        resolved = self.charts.resolve(spec)
        cfg = self._config(spec.namespace)
        installed = spec.installed
        if installed is None:
            installed = self._installed(spec.name, spec.namespace)
        action = "upgrade" if installed else "install"
        options: dict[str, Any] = {
            "namespace": spec.namespace,
            "timeout_seconds": spec.timeout_s,
            "wait": "watcher" if spec.wait or spec.atomic else None,
            "rollback_on_failure": spec.atomic,
            "description": spec.description,
            "force_conflicts": spec.force_conflicts,
            # The server validates (fieldValidation=Strict on every apply): no OpenAPI probe.
            "disable_openapi_validation": spec.server_validates_fields,
        }
        if installed:
            options.update(cleanup_on_fail=spec.atomic, max_history=MAX_HISTORY, reset_values=True)
        else:
            options.update(create_namespace=True)
        try:
            with (
                hp.Chart.load(resolved.path) as chart,
                self._cancellable(cancel) as ctx,
                kept_file([k.to_dict() for k in spec.keep]) as keep_path,
            ):
                if spec.keep:
                    install_plugin()
                    options.update(post_renderer=PLUGIN_NAME, post_renderer_args=[keep_path])
                summary = install_or_upgrade(
                    cfg,
                    chart,
                    spec.name,
                    spec.plain_values(),
                    upgrade=installed,
                    context=ctx,
                    options=options,
                )
        except hp.HelmError as exc:
            raise engine_error(exc, spec, action, also_hide=self._rendered_secrets(spec)) from exc
        log.debug(
            "helm %s %s/%s done: %s", action, spec.namespace, spec.name, summary.get("status")
        )
        return revision_from(summary, spec.namespace)

    def _installed(self, name: str, namespace: str) -> bool:
        return has_live_revision(self._summaries(name, namespace))

    def _rendered_secrets(self, spec: ReleaseSpec) -> list[str]:
        """Secret values the chart renders, so an apply error quoting one cannot leak it."""
        try:
            return secret_object_strings(self.render(spec).manifests)
        except EngineError:
            return []

    def rollback(
        self,
        name: str,
        namespace: str,
        revision: int | None = None,
        *,
        timeout_s: int = DEFAULT_TIMEOUT_S,
        wait: bool = False,
    ) -> Revision:
        """Roll back (a new revision is written); return the new head of the history."""
        spec = ReleaseSpec(name=name, namespace=namespace, chart="", timeout_s=timeout_s)
        try:
            # Restoring a revision takes back the fields it restores: never a field conflict.
            rollback(
                self._config(namespace),
                name,
                {
                    "version": revision,
                    "timeout_seconds": timeout_s,
                    "wait": "watcher" if wait else None,
                    "force_conflicts": True,
                },
            )
        except hp.HelmError as exc:
            raise engine_error(exc, spec, "rollback") from exc
        return self._with_description(self._summaries(name, namespace)[-1])

    def uninstall(self, name: str, namespace: str, *, timeout_s: int = DEFAULT_TIMEOUT_S) -> bool:
        """Uninstall; False when the release did not exist."""
        if not self._summaries(name, namespace):
            return False
        spec = ReleaseSpec(name=name, namespace=namespace, chart="", timeout_s=timeout_s)
        try:
            self._config(namespace).uninstall(name, timeout=timeout_s, ignore_not_found=True)
        except hp.HelmError as exc:
            raise engine_error(exc, spec, "uninstall") from exc
        return True

    def history(
        self, name: str, namespace: str, *, describe_deployed: bool = True
    ) -> list[Revision]:
        """Revisions oldest first; empty when the release is unknown.

        The newest revision carries its description ("Rollback to 2", a failure's error); older
        ones do not: fetching each reads the stored release, manifest and all. Without
        `describe_deployed` a newest revision that ended deployed goes undescribed too (a deploy
        asks for every release's history and needs only why one failed or is pending).
        """
        revisions = self._summaries(name, namespace)
        if revisions and (describe_deployed or revisions[-1].status not in QUIET_STATES):
            revisions[-1] = self._with_description(revisions[-1])
        return revisions

    def _summaries(self, name: str, namespace: str) -> list[Revision]:
        spec = ReleaseSpec(name=name, namespace=namespace, chart="")
        try:
            entries = self._config(namespace).history(name)
        except hp.HelmNotFoundError:
            return []
        except hp.HelmError as exc:
            if "not found" in str(exc).lower():
                return []
            raise engine_error(exc, spec, "history") from exc
        return sorted((revision_from(e, namespace) for e in entries), key=lambda r: r.revision)

    def _with_description(self, rev: Revision) -> Revision:
        """History summaries lack the description ("Rollback to 2", "Upgrade complete"); add it."""
        try:
            info = self._config(rev.namespace).get_all(rev.release, revision=rev.revision)
        except hp.HelmError:
            return rev
        details = info.get("info") or {}
        return replace(rev, description=str(details.get("description") or rev.description))

    def releases(self, namespace: str | None = None) -> list[Revision]:
        """Latest revision of every release in every state, sorted by namespace and name."""
        spec = ReleaseSpec(name="*", namespace=namespace or "*", chart="")
        try:
            entries = self._config(namespace or "default").list(
                all_states=True, all_namespaces=namespace is None
            )
        except hp.HelmError as exc:
            raise engine_error(exc, spec, "list") from exc
        found = [revision_from(e, namespace or "default") for e in entries]
        return sorted(found, key=lambda r: (r.namespace, r.release))
