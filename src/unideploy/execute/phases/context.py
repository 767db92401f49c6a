"""What every phase of one deploy shares: the stack, the plan, the values, the engines, the outputs.

Built once per run by the deploy service. Engines are created lazily (so a dry run or a skipped
phase never loads them) and Terraform outputs are handed from the terraform phase to the helm phase
through a thread-safe store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unideploy.config.layering import EnvironmentValues
from unideploy.config.stack import Stack
from unideploy.engines.helm.contract import HelmEngine
from unideploy.engines.kube import access as kube_access
from unideploy.engines.kube.snapshot import LiveSnapshot
from unideploy.engines.terraform.contract import TerraformEngine
from unideploy.engines.terraform.model import TerraformWorkspace
from unideploy.errors import EngineError
from unideploy.execute.phases.helm_heads import HelmHeads
from unideploy.plan.build import Plan

#: The first Kubernetes release where every API server honours `fieldValidation` (GA).
FIELD_VALIDATION_GA = (1, 27)


@dataclass(frozen=True)
class ClusterTarget:
    """How to reach the environment's cluster."""

    kubeconfig: Path | None
    context: str | None

    def describe(self) -> str:
        """For messages: the kubeconfig and context."""
        where = str(self.kubeconfig) if self.kubeconfig else "the default kubeconfig"
        return f"{where}" + (f" (context {self.context})" if self.context else "")


@dataclass
class OutputStore:
    """Terraform outputs per module, written by the terraform phase, read by the helm phase."""

    _values: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, module: str, outputs: Mapping[str, Any]) -> None:
        """Record the outputs of `module`."""
        with self._lock:
            self._values[module] = dict(outputs)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """A copy of everything recorded so far."""
        with self._lock:
            return {module: dict(values) for module, values in self._values.items()}

    def has(self, module: str) -> bool:
        """True when `module`'s outputs were recorded."""
        with self._lock:
            return module in self._values


@dataclass
class PipelineContext:
    """Shared by the phases of one run."""

    stack: Stack
    plan: Plan
    env_values: EnvironmentValues
    cluster: ClusterTarget
    dry_run: bool = False
    incremental: bool = False
    recover_pending: bool = False
    force_conflicts: bool = False
    cache_images: bool = False
    maintenance: bool = False
    last_success: Callable[[str], Mapping[str, Any] | None] = lambda step_id: None
    make_terraform: Callable[[], TerraformEngine] | None = None
    make_helm: Callable[[], HelmEngine] | None = None
    make_kube: Callable[[], Any] | None = None
    outputs: OutputStore = field(default_factory=OutputStore)
    renders: dict[str, Any] = field(default_factory=dict)
    _engines: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)  # engines may nest

    @property
    def environment(self) -> str:
        """The environment being deployed."""
        return self.plan.environment

    def _engine(self, name: str, factory: Callable[[], Any] | None) -> Any:
        with self._lock:
            if name not in self._engines:
                if factory is None:
                    raise RuntimeError(f"no {name} engine configured for this run")
                self._engines[name] = factory()
            return self._engines[name]

    def terraform(self) -> TerraformEngine:
        """The Terraform engine, created on first use."""
        engine: TerraformEngine = self._engine("terraform", self.make_terraform)
        return engine

    def helm(self) -> HelmEngine:
        """The Helm engine, created on first use."""
        engine: HelmEngine = self._engine("helm", self.make_helm)
        return engine

    def kube(self) -> Any:
        """A kubernetes ApiClient for the environment's cluster, created on first use."""
        return self._engine("kube", self.make_kube)

    def live(self) -> LiveSnapshot:
        """Live objects read once per kind and namespace, for the run's reads that allow it.

        A dry run changes nothing; `--incremental` checks the presence of objects of releases
        whose inputs match their last deploy, which this run has therefore not touched: for both,
        a read from earlier in the run is as good as a fresh one.
        """
        api = self.kube()
        snapshot: LiveSnapshot = self._engine("live", lambda: LiveSnapshot(api))
        return snapshot

    def present(self) -> LiveSnapshot:
        """The names of live objects, listed once per kind and namespace (metadata only).

        For `--incremental`'s question whether an unchanged release's objects all still exist.
        """
        api = self.kube()
        names: LiveSnapshot = self._engine("present", lambda: LiveSnapshot(api, metadata_only=True))
        return names

    def heads(self) -> HelmHeads:
        """Each release's newest Helm revision and state, read once per namespace per run.

        Only this run changes the plan's releases while it holds the environment lock, and it
        asks for a head only before touching that release.
        """
        api = self.kube()
        heads: HelmHeads = self._engine("heads", lambda: HelmHeads(api))
        return heads

    def server_version(self) -> kube_access.ServerVersion:
        """The API server's version (GET /version), read once per run; raises EngineError.

        The lock's reachability check, the preflight's skew check and the Helm options share it;
        a failed read is not kept, so the next caller asks again.
        """
        api = self.kube()
        version: kube_access.ServerVersion = self._engine(
            "server_version", lambda: kube_access.server_version(api)
        )
        return version

    def server_validates_fields(self) -> bool:
        """Whether the API server checks fields itself (`fieldValidation`, GA in Kubernetes 1.27).

        Decided once per run; False when the version cannot be told, so Helm keeps probing.
        """

        def decide() -> bool:
            try:
                version = self.server_version()
            except EngineError:
                return False
            return (version.major, version.minor) >= FIELD_VALIDATION_GA

        return bool(self._engine("validates_fields", decide))

    def workspace(self, module: str) -> TerraformWorkspace:
        """Where a Terraform module's code and this environment's state live."""
        spec = next(m for m in self.stack.file.terraform.modules if m.name == module)
        return TerraformWorkspace(
            name=module,
            environment=self.environment,
            module_dir=self.stack.resolve(spec.path),
            state_dir=self.stack.state_dir / "terraform" / self.environment / module,
        )
