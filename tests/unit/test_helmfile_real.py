"""The helmfile corpus against the real helmfile (built by scripts/setup/install-tools.sh, with the
helm and kustomize binaries it runs): for every entry, plain and templated, and every environment,
the releases `unideploy plan` lists are the ones helmfile applies (`helmfile list`: enabled and
installed), in helmfile's order (`helmfile show-dag`, state by state), and the objects unideploy
renders equal the objects `helmfile template` prints (parsed, compared as a multiset).

helmfile runs in a network namespace of its own (`unshare -n`): nothing it does can leave the
machine. Missing binaries fail the tests (never a skip) with the install command.

Charts from repositories (`repos`): the entry's charts (its `charts/` directory) are served on
127.0.0.1 inside a loopback-only namespace (tests/support/loopback_repos.py: a Helm HTTP repository
and an OCI registry, TLS with a throwaway CA), and helmfile runs in that namespace on a copy of the
entry whose `repositories[].url` point there. unideploy imports the ORIGINAL file: its plan is
compared as it is, and the stack it wrote must name the original URLs; for the render, the same
URL -> served-URL map is applied to that stack (a copy beside it), and the render runs in the same
namespace. One map, applied to both inputs, so both sides pull the same archives.

strategicMergePatches: helmfile applies them (through kustomize); unideploy reports them as
unsupported (exit 3) and renders the chart as it is. For releases carrying patches the comparison
is exact all the same: helmfile's objects equal ours with each patch merged into the one object it
names, and every patch must change that object (so the objects helmfile changed are exactly the
patched ones, changed exactly by the patch).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support.loopback_repos import serving
from tests.support.sops_tools import tool
from tests.unit.test_helmfile_corpus import plan_groups

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
#: Entries whose releases take charts from their `repositories:`: served on 127.0.0.1 for helmfile.
SERVED = {"repos"}
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


@dataclass(frozen=True)
class Where:
    """Where helmfile runs: the state file it reads, the namespace, and the served repositories
    (each repository URL of the entry -> the URL serving the same charts here)."""

    state: Path
    inside: Callable[[list[str]], list[str]] = _netless
    env: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)


@contextmanager
def _where(entry: str, file: str, home: Path) -> Iterator[Where]:
    """The entry as it is, or (SERVED) a copy whose repositories point at charts served here."""
    if entry not in SERVED:
        yield Where(CORPUS / entry / file)
        return
    state = yaml.safe_load((CORPUS / entry / file).read_text())
    charts: dict[str, list[str]] = {}
    for release in state["releases"]:
        repository, _, name = str(release["chart"]).partition("/")
        if not repository.startswith("."):
            charts.setdefault(repository, []).append(name)
    repositories = {r["name"]: r for r in state["repositories"]}
    served = {r: [CORPUS / entry / "charts" / n for n in names] for r, names in charts.items()}
    oci = {r for r in served if repositories[r].get("oci")}
    http = {r: c for r, c in served.items() if r not in oci}
    with serving(home / "served", http, {r: served[r] for r in oci}) as loopback:
        urls = {
            repositories[r]["url"]: f"{loopback.oci_host}/{r}"
            if r in oci
            else f"{loopback.repo_url}/{r}"
            for r in served
        }
        copy = home / "corpus"
        shutil.copytree(CORPUS / entry, copy / entry)
        shutil.copytree(CORPUS / "charts", copy / "charts")  # what `../charts/...` names
        for repository in state["repositories"]:
            repository["url"] = urls.get(repository["url"], repository["url"])
        (copy / entry / file).write_text(yaml.safe_dump(state, sort_keys=False))
        yield Where(copy / entry / file, loopback.inside, loopback.env(), urls)


def _helmfile(where: Where, env: str, home: Path, *command: str, expect: int = 0) -> Completed:
    argv = [tool("helmfile"), "--file", str(where.state), "--environment", env]
    argv += ["--helm-binary", tool("helm"), "--kustomize-binary", tool("kustomize")]
    argv += ["--no-color", "--sequential-helmfiles", *command]
    environment = _env(home) | where.env
    done = run(where.inside(argv), cwd=where.state.parent, env=environment, timeout=300)
    assert done.returncode == expect, f"{' '.join(command)}: {done.stderr}"
    return done


def _import(entry: str, file: str, env: str, home: Path) -> tuple[Path, int]:
    """`unideploy import helmfile` of the entry as it is (never the served copy), and its exit."""
    out = home / "out"
    argv = [UNIDEPLOY, "import", "helmfile", "-f", str(CORPUS / entry / file), "--out", str(out)]
    done = run(_netless([*argv, "-e", env]), env=_env(home), timeout=300)
    assert done.returncode in (0, 3), done.stderr
    return out / "stack.yaml", done.returncode


def _planned(stack: Path, env: str, home: Path) -> list[set[str]]:
    argv = [UNIDEPLOY, "--stack", str(stack), "plan", "-e", env, "-o", "json"]
    done = run(argv, env=_env(home), timeout=120)
    assert done.returncode == 0, done.stderr
    return plan_groups(done.stdout)


def _applied(where: Where, env: str, home: Path) -> set[str]:
    """`helmfile list`: the releases it would apply (enabled by their condition, installed)."""
    listed = json.loads(_helmfile(where, env, home, "list", "--output", "json").stdout)
    assert listed, f"{where.state}/{env}: helmfile lists no release; the comparison proves nothing"
    return {f"{r['namespace']}/{r['name']}" for r in listed if r["enabled"] and r["installed"]}


def _dag(where: Where, env: str, home: Path) -> list[set[str]]:
    """`helmfile show-dag`: its groups, one table per state file in the order helmfile runs them."""
    tables: list[dict[int, set[str]]] = []
    for line in _helmfile(where, env, home, "show-dag").stdout.splitlines():
        cells = line.split()
        if cells[:2] == ["GROUP", "RELEASE"]:
            tables.append({})
        elif cells:
            release = "/".join(cells[1].split("/")[-2:])  # [kube-context/]namespace/name
            tables[-1].setdefault(int(cells[0]), set()).add(release)
    assert tables, f"{where.state}/{env}: helmfile show-dag printed no table"
    return [table[number] for table in tables for number in sorted(table)]


@pytest.mark.parametrize(("entry", "file", "env"), CASES, ids=IDS)
def test_plan_lists_what_helmfile_applies_in_its_order(
    entry: str, file: str, env: str, tmp_path: Path
) -> None:
    stack, _ = _import(entry, file, env, tmp_path)
    ours = _planned(stack, env, tmp_path)
    with _where(entry, file, tmp_path) as where:
        applied = _applied(where, env, tmp_path)
        dag = _dag(where, env, tmp_path)
    assert set().union(*ours) == applied
    assert ours == [g & applied for g in dag if g & applied]


Released = list[tuple[str, str, list[dict[str, Any]]]]  # (namespace, name, objects)


def _rendered(stack: Path, env: str, where: Where, home: Path) -> Released:
    """What unideploy renders; for served entries, from the same charts helmfile pulled."""
    if not where.urls:
        found = render_stack(load_stack(stack), env)
        return [(r.namespace, r.name, [dict(o) for o in r.manifests]) for r in found]
    text = stack.read_text()
    for original, served in where.urls.items():
        assert original in text, f"the imported stack must name {original}, as the helmfile does"
        text = text.replace(original, served)
    served_stack = stack.with_name("stack.served.yaml")  # beside it: relative paths still hold
    served_stack.write_text(text)
    argv = [sys.executable, "-m", "tests.support.render_json", str(served_stack), env]
    environment = _env(home) | where.env | {"PYTHONPATH": str(REPO)}
    done = run(where.inside(argv), cwd=REPO, env=environment, timeout=300)
    assert done.returncode == 0, done.stderr
    return [(r["namespace"], r["name"], r["manifests"]) for r in json.loads(done.stdout)]


def _patches(state: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The strategicMergePatches of each release (namespace, name), nested helmfiles included."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for part in yaml.safe_load_all(state.read_text()):
        for release in (part or {}).get("releases") or []:
            key = (release.get("namespace", "default"), release["name"])
            if release.get("strategicMergePatches"):
                found.setdefault(key, []).extend(release["strategicMergePatches"])
        for nested in (part or {}).get("helmfiles") or []:
            path = nested["path"] if isinstance(nested, dict) else nested
            found |= _patches(state.parent / path)
    return found


def _merged(target: Any, patch: Any) -> Any:
    """A strategic merge patch made of maps only (what the corpus uses): maps merge key by key."""
    assert not isinstance(patch, list), "the corpus patches maps only; lists merge by keys"
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        merged[key] = _merged(merged.get(key), value)
    return merged


def _identity(obj: dict[str, Any]) -> tuple[str, str, str]:
    return (obj.get("apiVersion", ""), obj.get("kind", ""), obj.get("metadata", {}).get("name", ""))


def _patched(released: Released, patches: dict[tuple[str, str], list[dict[str, Any]]]) -> Released:
    """`released` with each release's patches merged into the one object each names."""
    result: Released = []
    for namespace, name, objects in released:
        objects = list(objects)
        for patch in patches.get((namespace, name), []):
            hits = [i for i, o in enumerate(objects) if _identity(o) == _identity(patch)]
            assert len(hits) == 1, f"patch {_identity(patch)} names {len(hits)} objects of {name}"
            changed = _merged(objects[hits[0]], patch)
            assert changed != objects[hits[0]], f"patch {_identity(patch)} changes nothing"
            objects[hits[0]] = changed
        result.append((namespace, name, objects))
    return result


def _canonical(objects: Any) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects if o is not None)


@pytest.mark.parametrize(("entry", "file", "env"), CASES, ids=IDS)
def test_rendered_objects_equal_helmfile_template(
    entry: str, file: str, env: str, tmp_path: Path
) -> None:
    patches = {} if file.endswith(".gotmpl") else _patches(CORPUS / entry / file)
    stack, exit_code = _import(entry, file, env, tmp_path)
    with _where(entry, file, tmp_path) as where:
        released = _rendered(stack, env, where, tmp_path)
        if any((namespace, name) in patches for namespace, name, _ in released):
            assert exit_code == 3, "patches unideploy does not apply must make the import exit 3"
        ours = _canonical(o for _, _, objects in _patched(released, patches) for o in objects)
        # Served repositories are added (`helm repo add`) by helmfile's deps step; the others
        # are never reached, so that step is skipped for them.
        template = ("template",) if where.urls else ("template", "--skip-deps")
        if not ours:  # every release left out in this environment: helmfile has nothing either
            none = _helmfile(where, env, tmp_path, *template, expect=3)
            assert "no releases found" in none.stderr
            return
        printed = _helmfile(where, env, tmp_path, *template).stdout
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


def _from_repositories(path: Path) -> bool:
    """Whether a release of the plain helmfile takes its chart from one of its repositories."""
    parts = [p or {} for p in yaml.safe_load_all(path.read_text())]
    names = {r["name"] for p in parts for r in p.get("repositories") or []}
    charts = [str(r["chart"]) for p in parts for r in p.get("releases") or []]
    return any(chart.split("/")[0] in names for chart in charts)


def test_every_corpus_entry_is_checked_against_helmfile() -> None:
    on_disk = {p.parent.name for p in CORPUS.glob("*/helmfile.yaml*")}
    assert on_disk == {entry for entry, _, _ in ENTRIES}
    for entry, file, envs in ENTRIES:
        if not file.endswith(".gotmpl"):
            assert _environments(CORPUS / entry / file) | {"default"} == set(envs), entry
            assert _from_repositories(CORPUS / entry / file) == (entry in SERVED), entry


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


def test_a_need_naming_another_kube_context_is_refused_as_helmfile_refuses_it(
    tmp_path: Path,
) -> None:
    """helmfile resolves `ctx/ns/name` in kube-context `ctx` only; a release without that
    context is an undefined release to it, and a config error (exit 2, at the need) to us."""
    source = tmp_path / "state" / "helmfile.yaml"
    source.parent.mkdir()
    shutil.copytree(CORPUS / "charts", tmp_path / "charts")
    source.write_text(
        "releases:\n"
        "  - {name: cache, namespace: data, chart: ../charts/echo}\n"
        "  - name: local\n"
        "    namespace: data\n"
        "    chart: ../charts/echo\n"
        "    needs: [ctx/data/cache]\n"
    )
    theirs = _helmfile(Where(source), "default", tmp_path, "show-dag", expect=1)
    assert 'depend(s) on an undefined release "ctx/data/cache"' in theirs.stderr
    argv = [UNIDEPLOY, "import", "helmfile", "-f", str(source), "--out", str(tmp_path / "out")]
    done = run(_netless(argv), env=_env(tmp_path), timeout=300)
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.split())
    assert "helmfile.yaml:6:" in said
    assert 'needs "ctx/data/cache" names release data/cache in kube-context "ctx"' in said
    assert 'write the need as "data/cache"' in said
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "stack.yaml").exists()
