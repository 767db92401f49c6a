"""The `helmfile` binary: renders templated helmfiles (`helmfile build`) for the helmfile import."""
