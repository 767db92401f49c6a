"""Configuration: load stack.yaml and values files, layer them, validate them into a Stack."""
