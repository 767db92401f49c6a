"""The loaded Stack: the validated stack.yaml, where it lives, and where each value stood.

Produced by load.py; consumed by layering (values per environment) and by plan. Frozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from unideploy.config.model import Environment, Release, StackFile
from unideploy.config.suggest import hint_for
from unideploy.config.yamlsafe import Positions
from unideploy.errors import ConfigError, SourceLocation


@dataclass(frozen=True)
class Stack:
    """A validated stack: the model plus its file, its directory and its source positions."""

    file: StackFile
    path: Path
    positions: Positions

    @property
    def root(self) -> Path:
        """Directory holding stack.yaml; relative paths in it are relative to this."""
        return self.path.parent

    @property
    def state_dir(self) -> Path:
        """Where runs keep local state: history, locks, logs, Terraform state."""
        return self.root / ".unideploy"

    def resolve(self, relative: str) -> Path:
        """A path from the stack file, made absolute against the stack directory."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    def shown(self, path: Path) -> str:
        """A path as shown in messages: relative to the working directory when possible."""
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)

    def environment(self, name: str) -> Environment:
        """The named environment, or a ConfigError listing the defined ones."""
        try:
            return self.file.environments[name]
        except KeyError:
            raise ConfigError(
                f'environment "{name}" is not defined in {self.shown(self.path)}',
                hint=hint_for(name, self.file.environments, "environments"),
            ) from None

    def kubeconfig(self, environment: str) -> Path | None:
        """The environment's kubeconfig, resolved against the stack (None: the default one)."""
        path = self.environment(environment).cluster.kubeconfig
        return self.resolve(path) if path else None

    def release(self, name: str) -> Release:
        """The release called `name` (or `namespace/name`)."""
        for release in self.file.releases:
            if name in (release.name, release.key):
                return release
        raise ConfigError(
            f'release "{name}" is not defined',
            hint=hint_for(name, [r.name for r in self.file.releases], "releases"),
        )

    def security_exemptions(self) -> list[dict[str, str]]:
        """Every release's `securityExemptions`, each bound to its release (plain values)."""
        return [
            {**entry.model_dump(), "release": release.name}
            for release in self.file.releases
            for entry in release.security_exemptions
        ]

    def environment_values_files(self, name: str) -> tuple[str, ...]:
        """The environment's values files, defaulting to environments/<name>/values.yaml."""
        env = self.environment(name)
        return env.values or (f"environments/{name}/values.yaml",)

    def locate(self, *at: str | int, key: bool = False) -> SourceLocation:
        """The source location of a value in stack.yaml by its path of keys/indexes."""
        return self.positions.locate(at, prefer_key=key)
