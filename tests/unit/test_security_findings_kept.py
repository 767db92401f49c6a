"""A security test's report keeps every finding, however many (526 were cut to 200 before)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unideploy.config.tests_cases import SecurityTest
from unideploy.tests_runtime.base import Manifests, TestEnv
from unideploy.tests_runtime.security import security_test


def _privileged_pod(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"node-agent-{index}", "namespace": "infra"},
        "spec": {
            "hostNetwork": True,
            "containers": [
                {"name": "agent", "image": "agent:latest", "securityContext": {"privileged": True}}
            ],
        },
    }


def test_every_finding_is_kept_in_the_details(tmp_path: Path) -> None:
    pods = [_privileged_pod(i) for i in range(120)]

    def render(_releases: Sequence[str]) -> Manifests:
        return [("agents", pod) for pod in pods]

    case = SecurityTest.model_validate(
        {"name": "static", "category": "security", "kind": "security", "failOn": "none"}
    )
    verdict = security_test(case, TestEnv("development", tmp_path, render=render))

    findings = verdict.details["findings"]
    assert verdict.details["reported"] > 200
    assert len(findings) == verdict.details["reported"]
    named = {f["object"]["name"] for f in findings}
    assert named == {pod["metadata"]["name"] for pod in pods}
