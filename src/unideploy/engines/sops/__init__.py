"""SOPS-encrypted values files: the in-process reader (age + AES-256-GCM) and the `sops` binary."""
