"""What every test runner shares: the environment a run targets and the verdict of one attempt.

The test phase (and `unideploy test`) builds one TestEnv; runners in this package take a resolved
case plus the TestEnv and return a Verdict. Runners never import the pipeline or a renderer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

#: Rendered objects of releases: (source such as "helm/grafana", object) pairs.
Manifests = list[tuple[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class Verdict:
    """How one attempt of one test ended: passed or not, why, and facts for the report."""

    passed: bool
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    final: bool = False  # retrying cannot help (e.g. the kubeconfig does not exist)


@dataclass(frozen=True)
class TestEnv:
    """What runners may use: the cluster, rendered releases, the security policy, baselines.

    `kube` returns a kubernetes ApiClient; `render` renders releases (all when given none);
    `security` is the environment's `global.security` values plus stack.yaml's `security:`
    overrides, as plain mappings. Each is None when the run has no such thing.
    """

    __test__: ClassVar[bool] = False  # not a pytest class, despite its name

    environment: str
    root: Path
    kube: Callable[[], Any] | None = None
    render: Callable[[Sequence[str]], Manifests] | None = None
    security: tuple[Mapping[str, Any], Mapping[str, Any]] = ({}, {})
    baseline_dir: Path = Path("tests/baselines")
    update_baseline: bool = False
    cancel: threading.Event = field(default_factory=threading.Event)

    def client(self) -> Any:
        """The kubernetes ApiClient; a clear error when the run has no cluster."""
        if self.kube is None:
            raise RuntimeError("this test needs the cluster, and the run has none configured")
        return self.kube()

    def path(self, relative: str) -> Path:
        """A path from stack.yaml, made absolute against the stack directory."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate
