"""unideploy: one pipeline from Terraform to Helm tiers to security and tests, per environment."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
