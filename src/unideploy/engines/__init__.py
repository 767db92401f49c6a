"""Engines: the only code touching the outside world (Terraform, Helm, Kubernetes, processes)."""
