"""The security benchmark's generator stays usable: valid, deterministic, varied manifests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from unideploy.security.manifests.scan import scan

BENCH = Path(__file__).resolve().parents[2] / "bench" / "security_scan.py"


def load_bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("security_scan_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_manifests_scan_cleanly_and_repeat(tmp_path: Path) -> None:
    bench = load_bench()
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    bench.generate(first, 60, seed=3)
    bench.generate(second, 60, seed=3)
    assert [p.read_text() for p in sorted(first.iterdir())] == [
        p.read_text() for p in sorted(second.iterdir())
    ]
    result = scan([first])
    assert result.errors == ()
    assert result.files == result.objects == 60
    flagged = {f.check_id for f in result.findings}
    assert len(flagged) >= 20, sorted(flagged)


def test_agreement_rows_cover_every_cited_checkov_id(tmp_path: Path) -> None:
    bench = load_bench()
    rows = bench.agreement(
        {"UD-K8S-001": {"m1.yaml"}}, {"CKV_K8S_16": {"m1.yaml", "m2.yaml"}}, tmp_path
    )
    privileged = next(r for r in rows if r["check"] == "UD-K8S-001")
    assert (privileged["both"], privileged["checkov_only"]) == (1, ["m2.yaml"])
    assert {r["checkov"] for r in rows} >= {"CKV_K8S_16", "CKV2_K8S_6", "CKV_K8S_49"}


def test_ours_only_reports_against_the_budget(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bench = load_bench()
    assert bench.ours_only(40, 3, budget=1e9, keep=tmp_path / "a") == 0
    assert "within" in capsys.readouterr().out
    assert bench.ours_only(40, 3, budget=0.0, keep=tmp_path / "b") == 1
    assert "OVER" in capsys.readouterr().out


def test_fixed_versions_explain_checkov_pull_policy(tmp_path: Path) -> None:
    bench = load_bench()
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n"
    pod += (
        "    - {{name: a, image: 'registry.example.org/a:{tag}', imagePullPolicy: IfNotPresent}}\n"
    )
    fixed, moving = tmp_path / "fixed.yaml", tmp_path / "moving.yaml"
    fixed.write_text(pod.format(tag="1.2.3"))
    moving.write_text(pod.format(tag="1.2"))
    assert bench._fixed_versions_only(fixed)
    assert not bench._fixed_versions_only(moving)
