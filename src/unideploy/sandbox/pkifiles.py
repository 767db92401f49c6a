"""Where the sandbox's certificates and keys live: paths only, no cryptography loaded.

The files are made by sandbox/pki.py on `up`; commands that only read the layout (`status`,
`down`) import this module alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# file stem -> (common name, organisation or None)
CLIENTS: dict[str, tuple[str, str | None]] = {
    "admin": ("unideploy-sandbox-admin", "system:masters"),
    "controller-manager": ("system:kube-controller-manager", None),
    "scheduler": ("system:kube-scheduler", None),
}


@dataclass(frozen=True)
class Pki:
    """Paths of every certificate and key the components read."""

    root: Path

    @property
    def ca_cert(self) -> Path:
        """The CA certificate clients trust."""
        return self.root / "ca.crt"

    @property
    def ca_key(self) -> Path:
        """The CA private key."""
        return self.root / "ca.key"

    @property
    def serving_cert(self) -> Path:
        """The apiserver's serving certificate."""
        return self.root / "apiserver.crt"

    @property
    def serving_key(self) -> Path:
        """The apiserver's serving key."""
        return self.root / "apiserver.key"

    @property
    def sa_key(self) -> Path:
        """The service-account token signing key (private)."""
        return self.root / "sa.key"

    @property
    def sa_pub(self) -> Path:
        """The service-account token verification key (public)."""
        return self.root / "sa.pub"

    def client_cert(self, who: str) -> Path:
        """The client certificate of `who` (a key of CLIENTS)."""
        return self.root / f"{who}.crt"

    def client_key(self, who: str) -> Path:
        """The client key of `who` (a key of CLIENTS)."""
        return self.root / f"{who}.key"

    def complete(self) -> bool:
        """Whether every file exists (then `ensure` reuses them)."""
        files = [self.ca_cert, self.ca_key, self.serving_cert, self.serving_key, self.sa_key]
        files += [self.sa_pub] + [self.client_cert(w) for w in CLIENTS]
        files += [self.client_key(w) for w in CLIENTS]
        return all(path.is_file() for path in files)
