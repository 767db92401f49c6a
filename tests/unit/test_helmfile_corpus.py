"""The helmfile corpus (tests/fixtures/helmfile): for each entry and each of its environments, the
imported stack plans the releases helmfile would apply, in helmfile's order, and renders the same
objects as the Helm SDK given the values helmfile passes.

The expected release lists are written from helmfile's documented semantics (`installed: false`
and a false `condition:` leave a release out; `needs` order it; nested helmfiles run before their
parent). The render oracle is the Helm SDK itself: values files and inline maps merged in order
as Helm merges `-f` files, then `--set` and `--set-string` read by Helm's own parsers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import helm_python as hp
import pytest
import yaml

from unideploy.config.load import load_stack
from unideploy.service.render import render_stack

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "helmfile"
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")

#: (entry, environment, --tier-label, expected groups: releases helmfile applies together, in order)
CASES: list[tuple[str, str, str | None, list[set[str]]]] = [
    ("basic", "default", "tier", [{"data/db"}, {"apps/web"}, {"apps/api"}]),
    ("environments", "default", None, [{"core/core", "core/debug"}]),
    ("environments", "staging", None, [{"core/core", "core/debug"}, {"monitoring/metrics"}]),
    ("environments", "prod", None, [{"core/core"}, {"monitoring/metrics"}]),
    ("setvalues", "default", None, [{"apps/annotated"}]),
    ("layering", "default", None, [{"apps/layered"}]),
    ("nested", "default", None, [{"one/first"}, {"two/third"}, {"top/top"}]),
    ("bases", "default", None, [{"apps/app"}]),
    ("bases", "dev", None, []),
    ("samename", "default", "tier", [{"blue/app"}, {"green/app"}, {"green/edge"}]),
    ("nested", "default", "tier", [{"one/first", "two/third", "top/top"}]),
    ("samename", "default", None, [{"blue/app"}, {"green/app"}, {"green/edge"}]),
    ("tierlabel", "default", "tier", [{"data/db"}, {"web/web"}, {"ops/tools"}]),
    ("tierlabel", "default", None, [{"data/db", "ops/tools"}, {"web/web"}]),
    ("repos", "default", None, [{"monitoring/metrics"}, {"data/cache"}, {"data/local"}]),
    ("dag", "default", None, [{"data/db", "apps/docs"}, {"data/queue"}, {"apps/api"}, {"apps/ui"}]),
    # the nested unsupported/helmfile.yaml defines no `staging`: helmfile -e staging skips it
    ("layered", "staging", None, [{"web/front"}]),
    ("layered", "default", None, [{"ops/patched"}, {"web/front"}]),
]
#: Entries whose charts come from remote repositories: planned, never fetched or rendered here.
REMOTE = {"repos"}


def _import(entry: str, environment: str, tier_label: str | None, out: Path) -> Path:
    args = ["import", "helmfile", "-f", str(CORPUS / entry / "helmfile.yaml"), "--out", str(out)]
    if tier_label:
        args += ["--tier-label", tier_label]
    if environment != "default":
        args += ["-e", environment]
    done = subprocess.run([UNIDEPLOY, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 3), done.stderr
    return out / "stack.yaml"


def _groups(stack: Path, environment: str) -> list[set[str]]:
    done = subprocess.run(
        [UNIDEPLOY, "--stack", str(stack), "plan", "-e", environment, "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return plan_groups(done.stdout)


def plan_groups(plan_json: str) -> list[set[str]]:
    """`ns/name` of the releases of `unideploy plan -o json`, grouped by tier and wave, in order."""
    groups: dict[tuple[int, int], set[str]] = {}
    for rank, tier in enumerate(json.loads(plan_json)["tiers"]):
        for release in tier["releases"]:
            key = (rank, release["wave"])
            groups.setdefault(key, set()).add(f"{release['namespace']}/{release['name']}")
    return [groups[key] for key in sorted(groups)]


def _case_id(case: tuple[str, str, str | None, list[set[str]]]) -> str:
    return f"{case[0]}-{case[1]}" + (f"-{case[2]}" if case[2] else "")


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_plan_lists_the_releases_helmfile_applies_in_its_order(
    case: tuple[str, str, str | None, list[set[str]]], tmp_path: Path
) -> None:
    entry, environment, tier_label, expected = case
    stack = _import(entry, environment, tier_label, tmp_path / "out")
    assert _groups(stack, environment) == expected


def test_same_name_in_two_namespaces_keeps_each_its_own_tier(tmp_path: Path) -> None:
    stack = _import("samename", "default", "tier", tmp_path / "out")
    document = yaml.safe_load(stack.read_text())
    tiers = {f"{r['namespace']}/{r['name']}": r["tier"] for r in document["releases"]}
    assert tiers == {"blue/app": "data", "green/app": "backend", "green/edge": "frontend"}
    assert document["tiers"] == ["data", "backend", "frontend"]


def test_a_condition_decided_per_environment_is_reported_without_e(tmp_path: Path) -> None:
    args = ["-f", str(CORPUS / "environments" / "helmfile.yaml"), "--out", str(tmp_path / "o")]
    done = subprocess.run(
        [UNIDEPLOY, "import", "helmfile", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 3, done.stderr
    said = " ".join(done.stderr.split())
    assert "helmfile.yaml:22:5: release metrics: condition metrics.enabled" in said
    assert "holds in prod, staging only" in said


# --- the render oracle: helmfile's values for a release, given to the Helm SDK -------------------


def _helmfile_releases(path: Path) -> list[tuple[dict[str, Any], Path]]:
    """Every release of a plain helmfile with its directory (bases, then nested, then own)."""
    document: dict[str, Any] = {}
    for part in yaml.safe_load_all(path.read_text()):  # helmfile v1's `---` parts
        document.update(part or {})
    found: list[tuple[dict[str, Any], Path]] = []
    for base in document.get("bases") or []:
        found += _helmfile_releases(path.parent / base)
    for nested in document.get("helmfiles") or []:
        found += _helmfile_releases(
            path.parent / (nested.get("path") if isinstance(nested, dict) else nested)
        )
    found += [(release, path.parent) for release in document.get("releases") or []]
    return found


def _merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """Helm's mergeMaps: maps merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _escape(text: str) -> str:
    """helmfile escapes `{`, `}` and `,` in --set names and values."""
    return text.replace("{", "\\{").replace("}", "\\}").replace(",", "\\,")


def _flag_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def helmfile_values(release: dict[str, Any], directory: Path) -> dict[str, Any]:
    """The values helmfile passes: -f per values entry in order, then --set, then --set-string."""
    values: dict[str, Any] = {}
    for entry in release.get("values") or []:
        layer = (
            entry if isinstance(entry, dict) else yaml.safe_load((directory / entry).read_text())
        )
        values = _merge(values, layer or {})
    for key, parse in (("set", hp.parse_set_string), ("setString", hp.parse_set_string_values)):
        for item in release.get(key) or []:
            name = _escape(str(item["name"]))
            if item.get("value") not in (None, ""):
                expression = f"{name}={_escape(_flag_value(item['value']))}"
            elif item.get("values"):
                joined = ",".join(_escape(_flag_value(v)) for v in item["values"])
                expression = f"{name}={{{joined}}}"
            else:
                continue
            values = _merge(values, parse(expression))
    return values


def helm_objects(chart: Path, name: str, namespace: str, values: dict[str, Any]) -> list[str]:
    cfg = hp.Config(storage_driver="memory", namespace=namespace, kubeconfig_path="/nonexistent")
    try:
        with hp.Chart.load(chart) as loaded:
            release = cfg.install(loaded, name, values, namespace=namespace, dry_run="client")
    finally:
        cfg.close()
    return _canonical(d for d in yaml.safe_load_all(release["manifest"]) if d is not None)


def _canonical(objects: Any) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects)


RENDERED = [c for c in CASES if c[0] not in REMOTE and c[3]]


@pytest.mark.parametrize("case", RENDERED, ids=[_case_id(c) for c in RENDERED])
def test_rendered_objects_equal_helm_sdk_with_helmfiles_values(
    case: tuple[str, str, str | None, list[set[str]]], tmp_path: Path
) -> None:
    entry, environment, tier_label, expected = case
    stack = load_stack(_import(entry, environment, tier_label, tmp_path / "out"))
    ours = {
        f"{r.namespace}/{r.name}": _canonical(r.manifests) for r in render_stack(stack, environment)
    }
    assert set(ours) == set().union(*expected)
    sources = {
        f"{r.get('namespace', 'default')}/{r['name']}": (r, d)
        for r, d in _helmfile_releases(CORPUS / entry / "helmfile.yaml")
    }
    for key, objects in ours.items():
        release, directory = sources[key]
        chart = (directory / release["chart"]).resolve()
        theirs = helm_objects(
            chart, release["name"], release["namespace"], helmfile_values(release, directory)
        )
        assert theirs, f"{key}: Helm renders nothing; the comparison would prove nothing"
        assert objects == theirs, key


def _imported_releases(entry: str, out: Path) -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(_import(entry, "default", None, out).read_text())
    return {f"{r['namespace']}/{r['name']}": r for r in document["releases"]}


def test_wait_atomic_timeout_come_from_the_release_over_helm_defaults(tmp_path: Path) -> None:
    releases = _imported_releases("dag", tmp_path / "out")
    got = {key: (r["wait"], r["atomic"], r["timeout"]) for key, r in releases.items()}
    assert got == {
        "apps/api": (False, True, 300),
        "data/db": (True, False, 300),
        "data/queue": (True, True, 60),
        "apps/ui": (True, True, 300),
        "apps/docs": (True, True, 300),
    }
    assert releases["apps/api"]["needs"] == ["data/db", "data/queue"]


def test_repository_and_oci_charts_keep_their_source_and_version(tmp_path: Path) -> None:
    releases = _imported_releases("repos", tmp_path / "out")
    assert releases["monitoring/metrics"]["chart"] == {
        "repo": "https://charts.example.com/community",
        "name": "metrics",
        "version": "1.2.3",
    }
    assert releases["data/cache"]["chart"] == {
        "oci": "oci://registry.example.com/charts/cache",
        "version": "0.4.0",
    }
    assert releases["data/local"]["needs"] == ["data/cache"]
