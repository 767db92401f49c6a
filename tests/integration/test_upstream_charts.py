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

import pytest
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
