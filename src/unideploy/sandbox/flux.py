"""`sandbox up --gitops flux`: Flux's controllers and a git server, after the control plane is up.

`core` calls `start` once the apiserver answers. It installs the Flux CRDs (copied beside the
binaries by scripts/setup/install-tools.sh) and the `flux-system` namespace, creates the bare
repository under the state directory, then starts inside the sandbox network namespace: the git
server (sandbox.gitserver), the chart repository (sandbox.chartserver, for `gitops render
--chart-repo sandbox`), source-controller, kustomize-controller and helm-controller. Each one
listens on 127.0.0.1 only and no event recorder is configured, so nothing is dialled outside; it
returns once every health endpoint answers (sandbox.probe, run inside the namespace).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from unideploy.engines import process
from unideploy.errors import EngineError
from unideploy.sandbox.api import ApiClient
from unideploy.sandbox.components import Layout
from unideploy.sandbox.tools import INSTALL_HINT, ToolNotFoundError, find_tools

FLAVOR = "flux"
GITOPS_FLAVORS = (FLAVOR,)
NAMESPACE = "flux-system"
CONTROLLERS = ("source-controller", "kustomize-controller", "helm-controller")
COMPONENTS = ("git-server", "chart-repository", *CONTROLLERS)
GIT_PORT = 8070
CHART_PORT = 8071
REPOSITORY_NAME = "sandbox.git"
BRANCH = "main"
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
#: How soon an object waiting on `dependsOn` looks again (Flux's default is 30 s; tiers chain).
REQUEUE_DEPENDENCY = "5s"


@dataclass(frozen=True)
class ControllerPorts:
    """Where one controller listens inside the namespace (all on 127.0.0.1)."""

    metrics: int
    health: int
    storage: int | None = None


PORTS = {
    "source-controller": ControllerPorts(metrics=8081, health=9441, storage=9790),
    "kustomize-controller": ControllerPorts(metrics=8082, health=9442),
    "helm-controller": ControllerPorts(metrics=8083, health=9443),
}

StartInside = Callable[[str, list[str], Mapping[str, str] | None], None]
Wait = Callable[[str, str, Callable[[], bool]], None]


def repository(layout: Layout) -> Path:
    """The bare repository users push to by path (the state dir is shared with the host)."""
    return layout.root / "gitops" / REPOSITORY_NAME


def git_url() -> str:
    """The repository's URL inside the sandbox network namespace (for GitRepository.spec.url)."""
    return f"http://127.0.0.1:{GIT_PORT}/{REPOSITORY_NAME}"


def charts(layout: Layout) -> Path:
    """The chart repository's directory (index.yaml and archives, written by path)."""
    return layout.root / "gitops" / "charts"


def charts_url() -> str:
    """The chart repository's URL inside the namespace (for HelmRepository.spec.url)."""
    return f"http://127.0.0.1:{CHART_PORT}"


def describe(layout: Layout) -> dict[str, str]:
    """What state.json and `status --output json` record of the GitOps setup."""
    return {
        "flavor": FLAVOR,
        "namespace": NAMESPACE,
        "repository": str(repository(layout)),
        "url": git_url(),
        "branch": BRANCH,
        "charts": str(charts(layout)),
        "charts_url": charts_url(),
    }


def binaries() -> dict[str, Path]:
    """Return the three controllers' binaries, or raise naming every missing one and the fix."""
    return find_tools(CONTROLLERS, "Flux controllers are")


def crd_files(tools: Mapping[str, Path]) -> list[Path]:
    """The CRD manifests install-tools.sh copied beside each controller binary."""
    files: list[Path] = []
    for name in CONTROLLERS:
        found = sorted((tools[name].parent / "crds").glob("*.yaml"))
        if not found:
            raise ToolNotFoundError(
                f"{name}'s CRDs are missing from {tools[name].parent / 'crds'}", hint=INSTALL_HINT
            )
        files += found
    return files


def controller_argv(name: str, binary: Path, layout: Layout) -> list[str]:
    """Return a controller's argv: loopback listeners, no leader election, no event recorder."""
    ports = PORTS[name]
    argv = [
        str(binary),
        f"--metrics-addr=127.0.0.1:{ports.metrics}",
        f"--health-addr=127.0.0.1:{ports.health}",
        "--events-addr=",
        "--enable-leader-election=false",
        "--watch-all-namespaces=true",
        "--log-level=info",
    ]
    if ports.storage is not None:
        address = f"127.0.0.1:{ports.storage}"
        argv += [
            f"--storage-path={artifacts(layout)}",
            f"--storage-addr={address}",
            f"--storage-adv-addr={address}",
        ]
    if name == "kustomize-controller":
        argv.append("--no-remote-bases=true")  # every resource from the artifact, none fetched
    if name in ("kustomize-controller", "helm-controller"):
        argv.append(f"--requeue-dependency={REQUEUE_DEPENDENCY}")
    return argv


def controller_env(layout: Layout) -> dict[str, str]:
    """The controllers' environment: the sandbox admin kubeconfig (inside-namespace address).

    Proxy settings are dropped: the controllers talk to 127.0.0.1 only and are told of no proxy.
    """
    kept = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return {
        **kept,
        "KUBECONFIG": str(layout.component_kubeconfig("admin")),
        "RUNTIME_NAMESPACE": NAMESPACE,
    }


def git_server_argv(layout: Layout) -> list[str]:
    """Return the git server's argv (see sandbox.gitserver)."""
    return [
        sys.executable,
        "-m",
        "unideploy.sandbox.gitserver",
        f"--repository={repository(layout)}",
        f"--port={GIT_PORT}",
        f"--ready={ready_dir(layout) / 'git-server'}",
    ]


def chart_server_argv(layout: Layout) -> list[str]:
    """Return the chart repository's argv (see sandbox.chartserver)."""
    return [
        sys.executable,
        "-m",
        "unideploy.sandbox.chartserver",
        f"--root={charts(layout)}",
        f"--port={CHART_PORT}",
        f"--ready={ready_dir(layout) / 'chart-repository'}",
    ]


def artifacts(layout: Layout) -> Path:
    """source-controller's artifact storage (must exist before it starts)."""
    return layout.root / "gitops" / "artifacts"


def ready_dir(layout: Layout) -> Path:
    """Where the probe marks each component ready."""
    return layout.root / "gitops" / "ready"


def probe_argv(layout: Layout, timeout: float) -> list[str]:
    """Return the probe's argv: each controller's /readyz on its health port."""
    targets = [f"{name}=http://127.0.0.1:{PORTS[name].health}/readyz" for name in CONTROLLERS]
    return [
        sys.executable,
        "-m",
        "unideploy.sandbox.probe",
        f"--ready-dir={ready_dir(layout)}",
        f"--timeout={max(1.0, round(timeout, 1))}",
        *targets,
    ]


def ensure_repository(path: Path) -> None:
    """Create the bare repository (HEAD on `main`) unless it exists; pushes are kept across up."""
    from dulwich.refs import Ref
    from dulwich.repo import Repo

    if (path / "HEAD").is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    repo = Repo.init_bare(str(path), mkdir=True)
    repo.refs.set_symbolic_ref(Ref(b"HEAD"), Ref(f"refs/heads/{BRANCH}".encode()))
    repo.close()


def load_crds(files: list[Path]) -> list[dict[str, Any]]:
    """Read every CustomResourceDefinition document of `files` (safe YAML loading)."""
    crds: list[dict[str, Any]] = []
    for path in files:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                crds.append(doc)
    return crds


def apply_crd(api: ApiClient, crd: dict[str, Any]) -> None:
    """Create the CRD, or replace an existing one with this version's."""
    name = str(crd["metadata"]["name"])
    created = api.post(CRD_PATH, crd, timeout=30.0)
    if created.status == 409:
        current = api.get(f"{CRD_PATH}/{name}")
        version = current.body.get("metadata", {}).get("resourceVersion", "")
        body = {**crd, "metadata": {**crd["metadata"], "resourceVersion": version}}
        created = api.request("PUT", f"{CRD_PATH}/{name}", body=body, timeout=30.0)
    if created.status not in (200, 201):
        message = created.body.get("message", created.body.get("text", ""))
        raise EngineError(
            f"cannot install the Flux CRD {name}: HTTP {created.status}: {message}",
            hint="see the kube-apiserver log in the sandbox state dir",
        )


def established(api: ApiClient, names: list[str]) -> bool:
    """Whether every named CRD has condition Established=True."""
    for name in names:
        answer = api.get(f"{CRD_PATH}/{name}")
        conditions = answer.body.get("status", {}).get("conditions", []) or []
        marks = {(c.get("type"), c.get("status")) for c in conditions if isinstance(c, dict)}
        if ("Established", "True") not in marks:
            return False
    return True


def ensure_namespace(api: ApiClient) -> None:
    """Create `flux-system` (already there is fine)."""
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    answer = api.post("/api/v1/namespaces", body)
    if answer.status not in (201, 409):
        raise EngineError(f"cannot create namespace {NAMESPACE}: HTTP {answer.status}")


def start(
    layout: Layout,
    api: ApiClient,
    tools: Mapping[str, Path],
    start_inside: StartInside,
    wrap: Callable[[list[str]], list[str]],
    wait: Wait,
    remaining: Callable[[], float],
) -> None:
    """Install the CRDs, start the git server and controllers, return once all answer.

    `start_inside` starts and records a component inside the namespace, `wrap` turns an argv into
    one that runs there (for the unrecorded probe), `wait` polls as `core` does for the others.
    """
    crds = load_crds(crd_files(tools))
    for crd in crds:
        apply_crd(api, crd)
    ensure_namespace(api)
    names = [str(crd["metadata"]["name"]) for crd in crds]
    wait("kube-apiserver", "Flux CRDs established", lambda: established(api, names))
    ensure_repository(repository(layout))
    artifacts(layout).mkdir(parents=True, exist_ok=True)
    marks = ready_dir(layout)
    marks.mkdir(parents=True, exist_ok=True)
    for mark in marks.iterdir():
        mark.unlink()
    start_inside("git-server", git_server_argv(layout), None)
    charts(layout).mkdir(parents=True, exist_ok=True)
    start_inside("chart-repository", chart_server_argv(layout), None)
    env = controller_env(layout)
    for name in CONTROLLERS:
        start_inside(name, controller_argv(name, tools[name], layout), env)
    probe = _spawn_probe(layout, wrap(probe_argv(layout, remaining())))
    try:
        for name in COMPONENTS:
            wait(name, f"{name} ready", (marks / name).exists)
    finally:
        if probe.poll() is None:
            probe.kill()
        probe.wait()


def _spawn_probe(layout: Layout, argv: list[str]) -> subprocess.Popen[bytes]:
    with layout.log("flux-probe").open("ab") as log:
        return process.spawn(argv, log=log, cwd=layout.root)
