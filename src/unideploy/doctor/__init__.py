"""`doctor`: the usual ways an environment gets stuck, each diagnosed with the command to fix it."""
