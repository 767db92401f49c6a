"""One module per manifest check, each exposing `CHECK`; the registry discovers them by import.

IDs are UD-K8S-NNN and never reused. Fixtures live in tests/checks/<ID>/.
"""
