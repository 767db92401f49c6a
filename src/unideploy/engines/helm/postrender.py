"""Helm 4 post-renderer that applies the fields left to others with their live values.

Helm renders, then pipes the manifests through this module (a `postrenderer/v1` plugin of the
subprocess runtime, run as `python -m unideploy.engines.helm.postrender FILE`); each object named
in FILE gets the listed fields set to the values read from the cluster just before. Applying a
value the field already has changes nothing and meets no conflict with the field's owner.
Objects not named pass through byte for byte. Helm finds the plugin through `HELM_PLUGINS`,
which `lib.py` points here before the SDK starts (Go reads the environment once).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

PLUGIN_NAME = "unideploy-keep-live"
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def plugins_dir() -> Path:
    """The plugin folder of this interpreter (the plugin runs `sys.executable`)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    tag = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
    return Path(base) / "unideploy" / "helm-plugins" / tag


def helm_plugins_path() -> str:
    """The HELM_PLUGINS value: ours first, then the one already set (or Helm's default)."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    rest = os.environ.get("HELM_PLUGINS") or str(Path(data) / "helm" / "plugins")
    ours = str(plugins_dir())
    return rest if ours in rest.split(os.pathsep) else os.pathsep.join([ours, rest])


def install_plugin() -> None:
    """Write the plugin's metadata (atomically; the same text every time for one interpreter)."""
    folder = plugins_dir() / PLUGIN_NAME
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {
        "apiVersion": "v1",
        "name": PLUGIN_NAME,
        "type": "postrenderer/v1",
        "version": "1.0.0",
        "runtime": "subprocess",
        "runtimeConfig": {
            "platformCommand": [
                {"command": sys.executable, "args": ["-m", "unideploy.engines.helm.postrender"]}
            ]
        },
    }
    text = yaml.safe_dump(metadata, sort_keys=False)
    target = folder / "plugin.yaml"
    if target.is_file() and target.read_text() == text:
        return
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".plugin-")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, target)


@contextmanager
def kept_file(kept: Sequence[dict[str, Any]]) -> Iterator[str]:
    """A private file holding the fields to keep, removed afterwards."""
    fd, path = tempfile.mkstemp(prefix="unideploy-keep-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(list(kept), handle)
        yield path
    finally:
        Path(path).unlink(missing_ok=True)


def post_render(text: str, kept: Sequence[dict[str, Any]]) -> str:
    """`text` (a multi-document manifest) with the kept fields set on the named objects."""
    chunks = _SEPARATOR.split(text)
    out = []
    for chunk in chunks:
        out.append(_rewrite(chunk, kept))
    return "---".join(out)


def _rewrite(chunk: str, kept: Sequence[dict[str, Any]]) -> str:
    try:
        doc = yaml.safe_load(chunk)
    except yaml.YAMLError:
        return chunk
    if not isinstance(doc, dict):
        return chunk
    meta = doc.get("metadata") or {}
    for entry in kept:
        same = (
            entry.get("kind") == doc.get("kind")
            and entry.get("name") == meta.get("name")
            and entry.get("api_version") == doc.get("apiVersion")
            and meta.get("namespace") in (None, entry.get("namespace"))
        )
        if not same:
            continue
        for dotted, value in (entry.get("values") or {}).items():
            _set(doc, dotted.split("."), value)
        comments = "".join(line + "\n" for line in chunk.splitlines() if line.startswith("#"))
        return "\n" + comments + yaml.safe_dump(doc, sort_keys=False)
    return chunk


def _set(doc: dict[str, Any], path: list[str], value: Any) -> None:
    node: Any = doc
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node[path[-1]] = value


def main(argv: Sequence[str]) -> int:
    """Entry point of the plugin: manifests on stdin, the kept-fields file as the argument."""
    kept = json.loads(Path(argv[0]).read_text()) if argv else []
    sys.stdout.write(post_render(sys.stdin.read(), kept))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
