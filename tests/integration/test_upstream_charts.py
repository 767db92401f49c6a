"""Upstream chart features on the sandbox, each compared with what Helm itself does (issue 14).

Subcharts unpacked in `charts/` and archived as `.tgz` with condition, tags, alias and
import-values and no repository (1); a separator line carrying a comment (2); the `crds/` folder
in rendered manifests, first (7); Helm's `--set` family on `deploy` (9). The oracle is always the
Helm SDK: the manifest Helm stored for the release, or its client-side dry-run install.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as hp
import pytest
import yaml
from tests.integration.deploy_support import unideploy
from tests.integration.sandbox_cluster import Cluster
from tests.integration.upstream_support import (
    contained,
    helm_dry_run,
    helm_manifest,
    identity,
    keys,
    release_objects,
    write_stack,
)

pytestmark = pytest.mark.cluster

#: The CRDs of the umbrella's own crds/ and of its enabled CRD-only subchart; `optional`'s
#: doodads.example.com is left out with its subchart (its tag is off).
UMBRELLA_CRDS = ["gizmos.example.com", "widgets.example.com"]


@dataclass
class Deployed:
    stack: Path
    namespace: str
    done: subprocess.CompletedProcess[str]

    def succeeded(self) -> None:
        assert self.done.returncode == 0, self.done.stdout + self.done.stderr


@pytest.fixture(scope="module")
def umbrella(sandbox: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """The umbrella chart deployed once by `unideploy deploy` into its own namespace."""
    namespace = f"upstream-umbrella-{uuid.uuid4().hex[:6]}"
    sandbox.kubectl("create", "namespace", namespace)
    stack = write_stack(tmp_path_factory.mktemp("umbrella") / "stack", sandbox, namespace,
                        umbrella="umbrella")  # fmt: skip
    yield Deployed(stack, namespace, unideploy(stack, "deploy", "-e", "development"))
    sandbox.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def test_unpacked_and_archived_subcharts_install_exactly_as_helm_records_them(
    sandbox: Cluster, umbrella: Deployed
) -> None:
    umbrella.succeeded()
    ns = umbrella.namespace
    recorded = helm_manifest(sandbox, ns, "umbrella")
    live = {identity(obj): obj for obj in release_objects(sandbox, ns, "umbrella")}
    assert sorted(live) == sorted(identity(obj) for obj in recorded)
    for obj in recorded:
        assert list(contained(obj, live[identity(obj)])) == [], identity(obj)
    # Helm offline, with no repository either, makes the same objects out of the same chart.
    offline = helm_dry_run(umbrella.stack / "charts" / "umbrella", "umbrella", ns, {})
    assert sorted(identity(o) for o in offline) == sorted(live)

    # What makes the comparison mean something: aliased, archived and imported values are there,
    # the subcharts switched off by condition and tag are not.
    names = set(live)
    assert ("Service", "umbrella-frontend") in names
    assert ("Service", "umbrella-backend") not in names
    assert ("Deployment", "umbrella-optional") not in names
    assert {("ConfigMap", "umbrella-extras"), ("PodDisruptionBudget", "umbrella-extras")} <= names
    settings = live[("ConfigMap", "umbrella-settings")]["data"]
    assert json.loads(settings["palette"])["palette"] == {"color": "blue"}
    for crd in UMBRELLA_CRDS:
        sandbox.kubectl("get", "crd", crd)
    assert sandbox.kubectl("get", "crd", "doodads.example.com", check=False).returncode != 0

    # Our own view of the release holds the same objects: drift checks each one, finds nothing.
    done = unideploy(umbrella.stack, "drift", "-e", "development", "--detailed-exitcode",
                     "-o", "json")  # fmt: skip
    drift = json.loads(done.stdout)
    assert (done.returncode, drift["objects"], drift["checked"]) == (0, [], len(recorded))


def test_a_separator_line_with_a_comment_splits_as_helm_splits_it(
    sandbox: Cluster, umbrella: Deployed
) -> None:
    umbrella.succeeded()
    ns = umbrella.namespace
    recorded = helm_manifest(sandbox, ns, "umbrella")
    live = release_objects(sandbox, ns, "umbrella")
    assert len(live) == len(recorded)
    # Both sides of `---# Permission to read …` exist: the role and the binding after the comment.
    rbac = sorted(
        (o["kind"], o["metadata"]["name"])
        for o in live
        if o["kind"] in ("ClusterRole", "ClusterRoleBinding")
    )
    assert rbac == [("ClusterRole", "umbrella-reader"), ("ClusterRoleBinding", "umbrella-reader")]
    binding = next(o for o in live if o["kind"] == "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == "umbrella-reader"
    assert [key for obj in live for key in keys(obj) if key.startswith("---")] == []


def test_rendered_manifests_list_crds_first_and_apply_in_that_order(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    # Another release name and API group than the module's deploy: no cluster-wide name (role,
    # binding, CRD) is shared with it, so its CRDs are surely absent before the apply below.
    stack = write_stack(tmp_path / "stack", sandbox, namespace, rendered="umbrella")
    for source in (stack / "charts" / "umbrella").rglob("*.yaml"):
        source.write_text(source.read_text().replace("example.com", "rendered.example.com"))
    crds = [name.replace("example.com", "rendered.example.com") for name in UMBRELLA_CRDS]
    out = tmp_path / "out"
    done = unideploy(stack, "gitops", "render", "-e", "development", "--flavor", "manifests",
                     "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

    # The files in the order a listing (and `kubectl apply -R`) walks them.
    files = sorted((out / "manifests").rglob("*.yaml"), key=lambda p: p.relative_to(out).parts)
    documents = [(p, d) for p in files for d in yaml.safe_load_all(p.read_text()) if d is not None]
    kinds = [obj["kind"] for _, obj in documents]
    first = kinds.count("CustomResourceDefinition")
    assert kinds[:first] == ["CustomResourceDefinition"] * first
    assert sorted(obj["metadata"]["name"] for _, obj in documents[:first]) == crds
    # Every other object is one of Helm's own release manifest for the same chart and values.
    helm = helm_dry_run(stack / "charts" / "umbrella", "rendered", namespace, {})
    assert sorted(identity(o) for _, o in documents[first:]) == sorted(map(identity, helm))

    # An empty namespace, none of the CRDs: apply file by file.
    for crd in crds:
        assert sandbox.kubectl("get", "crd", crd, check=False).returncode != 0, crd
    for index, (path, _) in enumerate(documents):
        sandbox.kubectl("apply", "--server-side", "-n", namespace, "-f", str(path))
        if index == first - 1:  # as Helm does: the CRDs are ready before anything uses them
            established = [f"crd/{name}" for name in crds]
            sandbox.kubectl("wait", "--for=condition=Established", *established, "--timeout=60s")
    widgets = "widgets.rendered.example.com"
    widget = sandbox.get_json(widgets, "rendered-widget", namespace=namespace)
    assert widget["spec"] == {"size": 3}


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on `base`, as Helm merges one parsed flag into the values of the ones before."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def test_set_flags_reach_the_release_as_helms_parser_reads_them(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = write_stack(tmp_path / "stack", sandbox, namespace, app="set-values")
    motd = tmp_path / "motd.txt"
    motd.write_text("line one\nline two\n")
    flags = {  # in the order Helm applies them
        "--set-json": ['app.settings.limits={"cpu":"1","ports":[80,443]}'],
        "--set": [
            r"app.podAnnotations.prometheus\.io/scrape=true",
            "app.settings.hosts[0].name=a,app.settings.hosts[1].name=b,app.settings.replicas=010",
        ],
        "--set-string": ["app.settings.tag=010", r"app.settings.list=a\,b"],
        "--set-file": [f"app.settings.motd={motd}"],
    }
    argv = [part for flag, exprs in flags.items() for expr in exprs for part in (flag, expr)]
    done = unideploy(stack, "deploy", "-e", "development", *argv)
    assert done.returncode == 0, done.stdout + done.stderr

    parse = {
        "--set-json": hp.parse_set_json,
        "--set": hp.parse_set_string,
        "--set-string": hp.parse_set_string_values,
        "--set-file": hp.parse_set_file,
    }
    values: dict[str, Any] = {}
    for flag, exprs in flags.items():
        for expr in exprs:
            values = deep_merge(values, parse[flag](expr))
    chart = stack / "charts" / "set-values"
    helm = {identity(o): o for o in helm_dry_run(chart, "app", namespace, values["app"])}

    pod = sandbox.get_json("deployment", "app", namespace=namespace)["spec"]["template"]
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    wanted = helm[("Deployment", "app")]["spec"]["template"]["metadata"]["annotations"]
    assert annotations == wanted
    live = sandbox.get_json("configmap", "app-values", namespace=namespace)["data"]
    assert live == helm[("ConfigMap", "app-values")]["data"]
    # Helm's parser typed them: a JSON list, a string kept as written, a list built by index.
    settings = json.loads(live["settings"])
    assert (settings["limits"]["ports"], settings["tag"]) == ([80, 443], "010")
    assert settings["hosts"] == [{"name": "a"}, {"name": "b"}]
