"""Planning: turn a validated Stack and an environment into a Plan. Pure: no I/O, no engines."""
