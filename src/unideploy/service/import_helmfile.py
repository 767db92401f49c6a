"""`unideploy import helmfile`: write the stack.yaml of a plain helmfile, and its values files.

The conversion itself is config/helmfile.py; here the values files are copied untouched beside
the new stack.yaml (same relative paths) and local chart paths are made relative to it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from unideploy.config.helmfile import Imported, import_helmfile
from unideploy.errors import ConfigError, SourceLocation


def write_import(
    helmfile: Path, out: Path, tier_label: str | None = None, environment: str | None = None
) -> Imported:
    """Import `helmfile` into `out` (created); refuses to overwrite an existing stack.yaml."""
    if not helmfile.is_file():
        raise ConfigError(
            "helmfile not found",
            location=SourceLocation(str(helmfile)),
            hint="pass it with -f PATH",
        )
    imported = import_helmfile(helmfile, tier_label, environment)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "stack.yaml"
    if target.exists():
        raise ConfigError(f"{target} exists", hint="choose another --out directory")
    root = helmfile.parent.resolve()
    for source in imported.values_files:
        try:
            relative = source.relative_to(root)
        except ValueError:
            continue  # outside the helmfile's tree: referenced by its absolute path
        if (out.resolve() / relative) != source:
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, out / relative)
    for release in imported.stack["releases"]:
        chart = release["chart"]
        if "path" in chart:
            chart["path"] = os.path.relpath(root / chart["path"], out.resolve())
    for environment in imported.stack["environments"]:
        values = out / "environments" / environment / "values.yaml"
        if not values.exists():
            values.parent.mkdir(parents=True, exist_ok=True)
            values.write_text("# Environment values (helmfile's are for its templates only).\n")
    header = f"# Imported from {helmfile} by `unideploy import helmfile`.\n"
    target.write_text(header + yaml.safe_dump(imported.stack, sort_keys=False))
    return imported
