"""What the helmfile import produces: the stack document, the values files and the warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unideploy.errors import SourceLocation


@dataclass(frozen=True)
class Warning_:
    """A helmfile line with no equivalent in stack.yaml."""

    release: str
    location: SourceLocation
    what: str

    def __str__(self) -> str:
        return f"{self.location}: release {self.release}: {self.what}"


@dataclass
class Imported:
    """The stack document, values files to copy, and the warnings."""

    stack: dict[str, Any]
    values_files: list[Path] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
