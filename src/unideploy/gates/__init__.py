"""Gates a run passes before it may change an environment: approval, promotion, maintenance mode."""
