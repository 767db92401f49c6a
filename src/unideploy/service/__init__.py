"""Services: the use cases the CLI calls (deploy, …), composing config, plan, execute, history."""
