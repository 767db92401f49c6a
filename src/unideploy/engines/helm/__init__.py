"""The Helm engine: its contract (`contract`), the SDK-backed implementation (`sdk`), helpers."""
