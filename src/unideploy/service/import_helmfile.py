"""`unideploy import helmfile`: write the stack.yaml of a helmfile, and its values files.

The conversion itself is config/helmfile.py; here the values files are copied untouched beside
the new stack.yaml (same relative paths) and local chart paths are made relative to it. A
templated helmfile is first rendered by the real `helmfile build` for the one environment
imported (service/helmfile_states.py); its values then arrive embedded, with no file to copy.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from unideploy.config.helmfile import Imported, TemplatedHelmfile, Warning_, import_helmfile
from unideploy.errors import ConfigError, SourceLocation
from unideploy.service.helmfile_states import rendered_states


def write_import(
    helmfile: Path,
    out: Path,
    tier_label: str | None = None,
    environment: str | None = None,
    helmfile_bin: str | None = None,
) -> Imported:
    """Import `helmfile` into `out` (created); refuses to overwrite an existing stack.yaml."""
    if not helmfile.is_file():
        raise ConfigError(
            "helmfile not found",
            location=SourceLocation(str(helmfile)),
            hint="pass it with -f PATH",
        )
    imported = _import(helmfile, tier_label, environment, helmfile_bin)
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


def _import(
    helmfile: Path, tier_label: str | None, environment: str | None, helmfile_bin: str | None
) -> Imported:
    """Read the helmfile as it is, or as `helmfile build` renders it when it uses templates."""
    try:
        return import_helmfile(helmfile, tier_label, environment)
    except TemplatedHelmfile as templated:
        chosen = environment or "default"
        rendered = rendered_states(helmfile, chosen, helmfile_bin)
        imported = import_helmfile(helmfile, tier_label, chosen, rendered)
        if environment is None:
            where = templated.location or SourceLocation(str(helmfile))
            imported.warnings.append(
                Warning_(
                    "*",
                    where,
                    "templated: rendered by `helmfile build` for environment default only; "
                    "import each other environment with -e ENV",
                )
            )
        return imported
