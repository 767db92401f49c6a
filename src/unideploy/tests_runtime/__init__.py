"""Declarative integration tests: runners per kind (http, tcp, dns, k8s, perf, security).

Input: resolved cases from config.tests_model and a TestEnv; output: one TestOutcome per case.
The test phase (execute/phases/tests.py) turns each into a `tests/<name>` step.
"""

from unideploy.tests_runtime.base import TestEnv, Verdict
from unideploy.tests_runtime.run import TestOutcome, run_case

__all__ = ["TestEnv", "TestOutcome", "Verdict", "run_case"]
