"""The helmfile corpus against the real helmfile (built by scripts/setup/install-tools.sh, with the
helm binary it runs): for every entry, plain and templated, and every environment, the releases
`unideploy plan` lists are the ones helmfile applies (`helmfile list`: enabled and installed), in
helmfile's order (`helmfile show-dag`, state by state), and the objects unideploy renders equal the
objects `helmfile template` prints (parsed, compared as a multiset).

helmfile runs in a network namespace of its own with no interface up (`unshare -n`): nothing it
does can leave the machine. Missing binaries fail the tests (never a skip) with the install command.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support.sops_tools import tool

from unideploy.config.load import load_stack
from unideploy.engines.process import Completed, run
from unideploy.service.render import render_stack

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "helmfile"
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")
#: What the requiredenv entry reads from the shell.
SHELL_ENV = {"UNIDEPLOY_HF_TEAM": "payments", "UNIDEPLOY_HF_TAG": "2.4.1"}

#: (entry, state file, environments): every environment each entry defines, and `default`.
ENTRIES: list[tuple[str, str, list[str]]] = [
    ("basic", "helmfile.yaml", ["default"]),
    ("environments", "helmfile.yaml", ["default", "staging", "prod"]),
    ("setvalues", "helmfile.yaml", ["default"]),
    ("layering", "helmfile.yaml", ["default"]),
    ("nested", "helmfile.yaml", ["default"]),
    ("bases", "helmfile.yaml", ["default", "dev"]),
    ("samename", "helmfile.yaml", ["default"]),
    ("tierlabel", "helmfile.yaml", ["default"]),
    ("repos", "helmfile.yaml", ["default"]),
    ("dag", "helmfile.yaml", ["default"]),
    ("layered", "helmfile.yaml", ["default", "staging"]),
    ("unsupported", "helmfile.yaml", ["default"]),
    ("gotmpl", "helmfile.yaml.gotmpl", ["default", "staging", "prod"]),
    ("requiredenv", "helmfile.yaml.gotmpl", ["default"]),
    ("readfile", "helmfile.yaml.gotmpl", ["default", "edge"]),
    ("exectmpl", "helmfile.yaml.gotmpl", ["default"]),
]
#: Not rendered: charts from remote repositories (never fetched here), and patches or hooks that
#: helmfile applies and unideploy reports as unsupported (the import exits 3 for them).
NOT_RENDERED = {"repos", "unsupported", "layered"}
#: Where `helmfile show-dag` cannot answer here, the order is left to test_helmfile_corpus.py: it
#: pulls OCI charts first (repos), and it needs kustomize for strategicMergePatches (unsupported,
#: and layered, which nests it), printing nothing with exit 0 when kustomize is missing.
NO_DAG = {"repos", "unsupported", "layered"}
CASES = [(entry, file, env) for entry, file, envs in ENTRIES for env in envs]
IDS = [f"{entry}-{env}" for entry, _, env in CASES]


def _netless(argv: list[str]) -> list[str]:
    """`argv` in a new network namespace (a user namespace too when not root)."""
    return ["unshare", "-n", *argv] if os.geteuid() == 0 else ["unshare", "-rn", *argv]


def _env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "HELM_CACHE_HOME": str(home / "helm-cache"),
        "HELM_CONFIG_HOME": str(home / "helm-config"),
        "HELM_DATA_HOME": str(home / "helm-data"),
        "KUBECONFIG": str(home / "no-kubeconfig"),
        "UNIDEPLOY_HELMFILE_BIN": tool("helmfile"),
        "UNIDEPLOY_HELM_BIN": tool("helm"),
        **SHELL_ENV,
    }


def _helmfile(
    entry: str, file: str, env: str, home: Path, *command: str, expect: int = 0
) -> Completed:
    argv = [tool("helmfile"), "--file", str(CORPUS / entry / file), "--environment", env]
    argv += ["--helm-binary", tool("helm"), "--no-color", "--sequential-helmfiles", *command]
    done = run(_netless(argv), cwd=CORPUS / entry, env=_env(home), timeout=300)
    assert done.returncode == expect, f"{' '.join(command)}: {done.stderr}"
    return done


def _import(entry: str, file: str, env: str, home: Path) -> Path:
    out = home / "out"
    argv = [UNIDEPLOY, "import", "helmfile", "-f", str(CORPUS / entry / file), "--out", str(out)]
    done = run(_netless([*argv, "-e", env]), env=_env(home), timeout=300)
    assert done.returncode in (0, 3), done.stderr
    return out / "stack.yaml"


def _planned(stack: Path, env: str, home: Path) -> list[set[str]]:
    argv = [UNIDEPLOY, "--stack", str(stack), "plan", "-e", env, "-o", "json"]
    done = run(argv, env=_env(home), timeout=120)
    assert done.returncode == 0, done.stderr
    groups: dict[tuple[int, int], set[str]] = {}
    for rank, tier in enumerate(json.loads(done.stdout)["tiers"]):
        for release in tier["releases"]:
            key = (rank, release["wave"])
            groups.setdefault(key, set()).add(f"{release['namespace']}/{release['name']}")
    return [groups[key] for key in sorted(groups)]


def _applied(entry: str, file: str, env: str, home: Path) -> set[str]:
    """`helmfile list`: the releases it would apply (enabled by their condition, installed)."""
    listed = json.loads(_helmfile(entry, file, env, home, "list", "--output", "json").stdout)
    assert listed, f"{entry}/{env}: helmfile lists no release; the comparison would prove nothing"
    return {f"{r['namespace']}/{r['name']}" for r in listed if r["enabled"] and r["installed"]}


def _dag(entry: str, file: str, env: str, home: Path) -> list[set[str]]:
    """`helmfile show-dag`: its groups, one table per state file in the order helmfile runs them."""
    tables: list[dict[int, set[str]]] = []
    for line in _helmfile(entry, file, env, home, "show-dag").stdout.splitlines():
        cells = line.split()
        if cells[:2] == ["GROUP", "RELEASE"]:
            tables.append({})
        elif cells:
            release = "/".join(cells[1].split("/")[-2:])  # [kube-context/]namespace/name
            tables[-1].setdefault(int(cells[0]), set()).add(release)
    return [table[number] for table in tables for number in sorted(table)]


def _canonical(objects: Any) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects if o is not None)


@pytest.mark.parametrize(("entry", "file", "env"), CASES, ids=IDS)
def test_plan_lists_what_helmfile_applies_in_its_order(
    entry: str, file: str, env: str, tmp_path: Path
) -> None:
    stack = _import(entry, file, env, tmp_path)
    ours = _planned(stack, env, tmp_path)
    applied = _applied(entry, file, env, tmp_path)
    assert set().union(*ours) == applied
    if entry not in NO_DAG:
        assert ours == [g & applied for g in _dag(entry, file, env, tmp_path) if g & applied]


RENDERED = [case for case in CASES if case[0] not in NOT_RENDERED]


@pytest.mark.parametrize(
    ("entry", "file", "env"), RENDERED, ids=[f"{c[0]}-{c[2]}" for c in RENDERED]
)
def test_rendered_objects_equal_helmfile_template(
    entry: str, file: str, env: str, tmp_path: Path
) -> None:
    stack = load_stack(_import(entry, file, env, tmp_path))
    ours = _canonical(o for r in render_stack(stack, env) for o in r.manifests)
    if not ours:  # every release left out in this environment: helmfile has nothing either
        none = _helmfile(entry, file, env, tmp_path, "template", "--skip-deps", expect=3)
        assert "no releases found" in none.stderr
        return
    printed = _helmfile(entry, file, env, tmp_path, "template", "--skip-deps").stdout
    theirs = _canonical(yaml.safe_load_all(printed))
    assert theirs, f"{entry}/{env}: helmfile renders nothing; the comparison would prove nothing"
    assert ours == theirs


def _environments(path: Path) -> set[str]:
    """The environments a plain helmfile defines, in any `---` part or base."""
    found: set[str] = set()
    for part in yaml.safe_load_all(path.read_text()):
        found |= set((part or {}).get("environments") or {})
        for base in (part or {}).get("bases") or []:
            found |= _environments(path.parent / base)
    return found


def test_every_corpus_entry_is_checked_against_helmfile() -> None:
    on_disk = {p.parent.name for p in CORPUS.glob("*/helmfile.yaml*")}
    assert on_disk == {entry for entry, _, _ in ENTRIES}
    for entry, file, envs in ENTRIES:
        if not file.endswith(".gotmpl"):
            assert _environments(CORPUS / entry / file) | {"default"} == set(envs), entry


def test_a_required_env_unset_is_helmfiles_error_with_exit_2_and_nothing_written(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in _env(tmp_path).items() if k != "UNIDEPLOY_HF_TAG"}
    source = CORPUS / "requiredenv" / "helmfile.yaml.gotmpl"
    argv = [UNIDEPLOY, "import", "helmfile", "-f", str(source), "--out", str(tmp_path / "out")]
    done = run(_netless(argv), env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.split())
    assert "helmfile could not render it for environment default" in said
    assert "required env var `UNIDEPLOY_HF_TAG` is not set" in said
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "stack.yaml").exists()


def test_without_e_a_templated_helmfile_is_imported_for_default_with_a_warning(
    tmp_path: Path,
) -> None:
    source = CORPUS / "gotmpl" / "helmfile.yaml.gotmpl"
    out = tmp_path / "out"
    argv = [UNIDEPLOY, "import", "helmfile", "-f", str(source), "--out", str(out)]
    done = run(_netless(argv), env=_env(tmp_path), timeout=300)
    assert done.returncode == 3, done.stderr
    assert "rendered by `helmfile build` for environment default only" in done.stderr
    document = yaml.safe_load((out / "stack.yaml").read_text())
    assert list(document["environments"]) == ["default"]
    namespaces = {r["namespace"] for r in document["releases"]}
    assert namespaces == {
        "dev-data",
        "dev-apps",
    }  # .Values.prefix of default; metrics not installed
