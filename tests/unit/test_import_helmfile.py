"""`unideploy import helmfile` on the corpus in tests/fixtures/helmfile: the imported stack plans
the releases helmfile would install, in its order, and unsupported keys are reported by line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "helmfile"
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([UNIDEPLOY, *args], capture_output=True, text=True, timeout=120)


def _plan(stack: Path, environment: str) -> list[tuple[str, str, str]]:
    done = _run("--stack", str(stack), "plan", "-e", environment, "-o", "json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    return [(t["name"], r["namespace"], r["name"]) for t in plan["tiers"] for r in t["releases"]]


def test_plain_helmfile_imports_releases_tiers_needs_and_values(tmp_path: Path) -> None:
    out = tmp_path / "basic"
    done = _run(
        "import",
        "helmfile",
        "-f",
        str(CORPUS / "basic" / "helmfile.yaml"),
        "--out",
        str(out),
        "--tier-label",
        "tier",
    )
    assert done.returncode == 0, done.stderr
    # installed: false and a false condition leave `old` and `cache` out, as helmfile sync does.
    assert _plan(out, "default") == [
        ("data", "data", "db"),
        ("apps", "apps", "web"),
        ("apps", "apps", "api"),
    ]
    assert (out / "values" / "web.yaml").read_bytes() == (
        CORPUS / "basic" / "values" / "web.yaml"
    ).read_bytes()


def test_needs_layers_become_tiers_and_unsupported_keys_exit_3_with_their_line(
    tmp_path: Path,
) -> None:
    out = tmp_path / "layered"
    done = _run(
        "import", "helmfile", "-f", str(CORPUS / "layered" / "helmfile.yaml"), "--out", str(out)
    )
    assert done.returncode == 3, done.stderr
    assert "unsupported/helmfile.yaml:5:5: release patched: patches" in done.stderr
    assert "unsupported/helmfile.yaml:10:5: release patched: hooks" in done.stderr
    # The nested helmfile is applied before the file that lists it: its tiers come first.
    assert _plan(out, "staging") == [
        ("unsupported-layer-0", "ops", "patched"),
        ("main-layer-0", "web", "front"),
    ]


def test_templated_helmfile_without_a_helmfile_binary_names_how_to_get_one(
    tmp_path: Path,
) -> None:
    source = tmp_path / "helmfile.yaml.gotmpl"
    source.write_text('releases:\n  - name: {{ requiredEnv "NAME" }}\n')
    done = subprocess.run(
        [UNIDEPLOY, "import", "helmfile", "-f", str(source), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "UNIDEPLOY_HELMFILE_BIN": str(tmp_path / "no-helmfile")},
    )
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.split())
    assert "templated helmfile: rendering it needs the helmfile binary" in said
    assert "scripts/setup/install-tools.sh" in said and "--helmfile-bin" in said
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "stack.yaml").exists()
