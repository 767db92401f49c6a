"""`python -m unideploy`: the same entry point as the `unideploy` console script."""

from unideploy.cli.main import run

run()
