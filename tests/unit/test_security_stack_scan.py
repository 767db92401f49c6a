"""`security scan -e ENV` renders the stack offline and scans what a deploy would apply."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unideploy.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def test_scan_of_the_reference_stack_covers_every_release(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["--stack", str(REPO), "security", "scan", "-e", "production", "-o", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["verdict"]["passed"] is True
    kinds = {(f["object"]["kind"], f["object"]["namespace"]) for f in document["findings"]}
    assert ("Deployment", "monitoring") in kinds


def test_stack_override_makes_the_scan_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = tmp_path / "stack"
    stack.mkdir()
    for name in ("environments", "helm", "terraform"):
        shutil.copytree(REPO / name, stack / name, ignore=shutil.ignore_patterns(".terraform*"))
    text = (REPO / "stack.yaml").read_text()
    (stack / "stack.yaml").write_text(
        text + "\nsecurity:\n  development:\n    block: [UD-K8S-022]\n"
    )
    code = main(["--stack", str(stack), "security", "scan", "-e", "development", "-o", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {f["check_id"] for f in document["verdict"]["blocking"]} == {"UD-K8S-022"}
