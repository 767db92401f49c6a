"""Find the control-plane binaries that scripts/setup/install-tools.sh builds into its cache.

Reads the pinned versions from tools/versions.env (the one place they are written) and maps a tool
name to `<cache>/<name>-<version>/<name>`. No building here: a missing tool is an error that names
the install command.
"""

from __future__ import annotations

import os
from pathlib import Path

from unideploy.errors import EngineError

VERSIONS_ENV = "UNIDEPLOY_TOOLS_VERSIONS"
TOOLS_DIR_ENV = "UNIDEPLOY_TOOLS_DIR"
INSTALL_HINT = "run scripts/setup/install-tools.sh (a cold build takes 15-30 min)"

# Which versions.env key pins each tool.
TOOL_VERSION_KEYS: dict[str, str] = {
    "etcd": "ETCD_VERSION",
    "kube-apiserver": "KUBERNETES_VERSION",
    "kube-controller-manager": "KUBERNETES_VERSION",
    "kube-scheduler": "KUBERNETES_VERSION",
    "kubectl": "KUBERNETES_VERSION",
    "kwok": "KWOK_VERSION",
    "sops": "SOPS_VERSION",
    "age": "AGE_VERSION",
    "age-keygen": "AGE_VERSION",
    "helmfile": "HELMFILE_VERSION",
    "helm": "HELM_VERSION",
    "kustomize": "KUSTOMIZE_VERSION",
    "source-controller": "SOURCE_CONTROLLER_VERSION",
    "kustomize-controller": "KUSTOMIZE_CONTROLLER_VERSION",
    "helm-controller": "HELM_CONTROLLER_VERSION",
}
CONTROL_PLANE_TOOLS = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
)


class ToolNotFoundError(EngineError):
    """A control-plane tool is not in the cache."""


def parse_versions(text: str) -> dict[str, str]:
    """Parse KEY=VALUE lines; blank lines and `#` comments are ignored, the last key wins."""
    versions: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise EngineError(
                f"versions file line {number}: expected KEY=VALUE, got {raw!r}",
                hint="keep tools/versions.env to KEY=VALUE lines",
            )
        versions[key.strip()] = value.strip()
    return versions


def versions_file() -> Path:
    """Locate tools/versions.env: $UNIDEPLOY_TOOLS_VERSIONS, else the source checkout's copy."""
    override = os.environ.get(VERSIONS_ENV)
    if override:
        return Path(override)
    # src/unideploy/sandbox/tools.py -> repository root is three levels above the package dir.
    return Path(__file__).resolve().parents[3] / "tools" / "versions.env"


def pinned_versions() -> dict[str, str]:
    """Return the pinned versions (KUBERNETES_VERSION, ETCD_VERSION, KWOK_VERSION)."""
    path = versions_file()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EngineError(
            f"cannot read the pinned tool versions at {path}: {exc.strerror}",
            hint=f"run from a source checkout or set {VERSIONS_ENV} to tools/versions.env",
        ) from exc
    return parse_versions(text)


def kubernetes_version() -> str:
    """Return the one Kubernetes version the sandbox runs (e.g. v1.36.3)."""
    return pinned_versions()["KUBERNETES_VERSION"]


def tools_dir() -> Path:
    """Return the cache directory: $UNIDEPLOY_TOOLS_DIR, else ~/.cache/unideploy/tools."""
    override = os.environ.get(TOOLS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "unideploy" / "tools"


def tool_path(name: str, versions: dict[str, str] | None = None, root: Path | None = None) -> Path:
    """Return where `name` lives in the cache, whether or not it is there yet."""
    if name not in TOOL_VERSION_KEYS:
        known = ", ".join(sorted(TOOL_VERSION_KEYS))
        raise EngineError(f"unknown tool {name!r}", hint=f"known tools: {known}")
    pins = versions if versions is not None else pinned_versions()
    key = TOOL_VERSION_KEYS[name]
    if key not in pins:
        raise EngineError(f"{key} is not pinned in {versions_file()}", hint="add it to the file")
    base = root if root is not None else tools_dir()
    return base / f"{name}-{pins[key]}" / name


def find_tool(name: str) -> Path:
    """Return the cached binary for `name`, or raise ToolNotFoundError naming the fix."""
    path = tool_path(name)
    complete = path.parent / ".complete"
    if path.is_file() and os.access(path, os.X_OK) and complete.exists():
        return path
    raise ToolNotFoundError(f"{name} is not installed (looked for {path})", hint=INSTALL_HINT)


def missing_tools(names: tuple[str, ...] = CONTROL_PLANE_TOOLS) -> list[str]:
    """Return the names among `names` that find_tool cannot find."""
    missing: list[str] = []
    for name in names:
        try:
            find_tool(name)
        except ToolNotFoundError:
            missing.append(name)
    return missing


def find_tools(names: tuple[str, ...], what: str) -> dict[str, Path]:
    """Every tool in `names` by name, or raise naming `what` and each missing one with its path."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    for name in names:
        try:
            found[name] = find_tool(name)
        except ToolNotFoundError:
            missing.append(f"{name} ({tool_path(name)})")
    if missing:
        raise ToolNotFoundError(f"{what} not installed: " + ", ".join(missing), hint=INSTALL_HINT)
    return found
