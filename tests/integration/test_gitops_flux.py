"""The reference stack through Flux's real controllers: render + push + bootstrap, on the sandbox.

`gitops render -e development --flavor flux --push` pushes to the sandbox's repository (no remote
named: the running `sandbox up --gitops flux` is found by the stack's kubeconfig) and `gitops
bootstrap --apply --age-key-file` starts Flux on it. Development's SOPS-encrypted postgres password
reaches git only SOPS-encrypted (gitops.secrets); kustomize-controller decrypts it with the test age
key (the Secret flux-system/sops-age), as it would with a real key. The tests then check, against
what the controllers themselves wrote: every object Ready=True; tiers and `needs` in order (the
controllers' timestamps); the live objects equal the Helm SDK's render of the same values (what
`unideploy deploy` installs); a values change reported by `gitops status` at the new revision; a
broken commit named by `gitops status` with helm-controller's message while the last good
revision keeps running. Run inside `unshare -n` (the database chart has admission webhooks).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.integration.deploy_support import apply_terraform, reference_stack, unideploy
from tests.integration.flux_support import (  # noqa: F401 (flux: the fixture)
    flux,
    git,
    poll,
    request_reconcile,
)
from tests.integration.sandbox_cluster import Cluster

from unideploy.config.load import load_stack
from unideploy.service.desired import DesiredState, desired_state

# The module's first test includes the fixture: the sandbox, Terraform and a whole first reconcile.
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1500)]

ENV = "development"
NS = "flux-system"
SOURCE = "gitrepositories.source.toolkit.fluxcd.io"
KUSTOMIZATION = "kustomizations.kustomize.toolkit.fluxcd.io"
HELMRELEASE = "helmreleases.helm.toolkit.fluxcd.io"
TIERS = ("infrastructure", "storage", "monitoring", "applications")
RECONCILE_S = 900.0
#: Labels the Helm SDK's render does not hold and a deploy does not write either:
#: helm-controller's origin labels on every object it installs.
FLUX_LABELS = ("helm.toolkit.fluxcd.io/name", "helm.toolkit.fluxcd.io/namespace")
#: The one rendered value that differs by design: a chart Flux takes from Git has the version
#: `<version>+<commit>` (reconcileStrategy Revision), so the charts' `helm.sh/chart` label is
#: `<name>-<version>_<commit[:12]>` live where the Helm SDK renders `<name>-<version>`.
CHART_LABEL = "helm.sh/chart"


class Setup:
    """The stack copy, the sandbox, and the commits pushed so far."""

    def __init__(self, cluster: Cluster, status: dict[str, Any], stack: Path) -> None:
        self.cluster, self.status, self.stack = cluster, status, stack
        self.repository = Path(status["gitops"]["repository"])
        self.pushed: list[str] = []
        self.woken: list[list[str]] = []

    def cli(self, *args: str, timeout: float = 600) -> Any:
        return unideploy(self.stack, *args, timeout=timeout)

    def render_push(self) -> str:
        done = self.cli(
            "gitops", "render", "-e", ENV, "--flavor", "flux",
            "--out", str(self.stack / "gitops"), "--push", "-o", "json",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        pushed = json.loads(done.stdout)["push"]
        assert pushed["sandbox"] is True and pushed["branch"] == "main"
        assert git(self.repository, "rev-parse", "main") == pushed["commit"]
        self.pushed.append(pushed["commit"])
        self.woken.append(pushed["woken"])
        assert pushed["wake_error"] is None, pushed
        return str(pushed["commit"])

    def status_json(self) -> dict[str, Any]:
        done = self.cli("gitops", "status", "-e", ENV, "-o", "json", timeout=120)
        assert done.returncode in (0, 1), done.stderr[-2000:]
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def objects(self, resource: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.cluster.get_json(resource, namespace=NS)["items"]
        return items


@pytest.fixture(scope="module")
def setup(
    flux: tuple[Cluster, dict[str, Any]],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Setup]:
    """Render + push + bootstrap of the reference stack; every Flux object Ready=True."""
    cluster, status = flux
    stack = reference_stack(tmp_path_factory.mktemp("gitops-flux") / "stack", cluster.kubeconfig)
    with pytest.MonkeyPatch.context() as env:
        for who in ("AUTHOR", "COMMITTER"):
            env.setenv(f"GIT_{who}_NAME", "unideploy tests")
            env.setenv(f"GIT_{who}_EMAIL", "tests@unideploy.invalid")
        git(stack, "init", "-q", "-b", "main")
        git(stack, "add", "-A")
        git(stack, "commit", "-q", "-m", "reference stack")
        apply_terraform(stack, ENV)
        box = Setup(cluster, status, stack)
        box.render_push()
        key = stack / "environments" / ENV / "age-key.TEST-KEY-ONLY.txt"
        done = box.cli("gitops", "bootstrap", "-e", ENV, "--apply", "--age-key-file", str(key))
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert "AGE-SECRET-KEY" not in done.stdout + done.stderr
        assert f"created GitRepository {NS}/homelab" in done.stdout
        assert f"created Kustomization {NS}/homelab" in done.stdout
        assert "path ./flux/clusters/homelab" in done.stdout

        def ready() -> bool:
            found = box.status_json()
            return bool(found["healthy"]) and len(found["objects"]) == 2 + len(TIERS) + 9

        poll(
            "every Flux object of the reference stack Ready=True",
            ready,
            status,
            lambda: json.dumps([o for o in box.status_json()["objects"] if not o["ok"]], indent=1)[
                -4000:
            ],
            deadline_s=RECONCILE_S,
        )
        yield box


def _when(condition_time: str) -> datetime:
    return datetime.fromisoformat(condition_time.replace("Z", "+00:00"))


def _ready_at(obj: dict[str, Any]) -> datetime:
    ready = next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True", (obj["metadata"]["name"], ready)
    return _when(ready["lastTransitionTime"])


def test_every_object_is_ready_in_the_order_of_tiers_and_needs(setup: Setup) -> None:
    found = setup.status_json()
    kinds = sorted(o["kind"] for o in found["objects"])
    assert kinds == ["GitRepository"] + ["HelmRelease"] * 9 + ["Kustomization"] * 5
    assert all(o["ok"] and o["state"] == "Ready" for o in found["objects"])
    commit = setup.pushed[0]
    for obj in found["objects"]:
        if obj["kind"] in ("Kustomization", "GitRepository"):
            assert obj["revision"] == f"main@sha1:{commit}", obj
        else:  # a chart from the GitRepository, reconcileStrategy Revision: version+sha
            assert obj["revision"].endswith(commit[:12]), obj

    tiers = {k["metadata"]["name"]: k for k in setup.objects(KUSTOMIZATION)}
    releases = {h["metadata"]["name"]: h for h in setup.objects(HELMRELEASE)}
    previous: str | None = None
    for tier in TIERS:
        kustomization = tiers[f"homelab-{tier}"]
        members = [h for h in releases.values() if h["metadata"]["labels"].get(
            "unideploy.io/tier") == tier]  # fmt: skip
        assert members, tier
        if previous is not None:
            before = tiers[f"homelab-{previous}"]
            assert kustomization["spec"]["dependsOn"] == [{"name": f"homelab-{previous}"}]
            assert _ready_at(kustomization) >= _ready_at(before), (tier, previous)
            for release in members:  # installed only once the tier before was Ready
                first = _when(release["status"]["history"][-1]["firstDeployed"])
                assert first >= _ready_at(before), (release["metadata"]["name"], previous)
        previous = tier
    needs = 0
    for name, release in releases.items():
        first = _when(release["status"]["history"][-1]["firstDeployed"])
        for dependency in release["spec"].get("dependsOn", []):
            needs += 1
            assert first >= _ready_at(releases[dependency["name"]]), (name, dependency)
    assert needs >= 8  # ingress, postgres (2), prometheus, loki, grafana (2), homepage (2)


def _desired(stack: Path) -> DesiredState:
    return desired_state(load_stack(stack / "stack.yaml"), ENV)


def _resource(obj: dict[str, Any]) -> str:
    group_version = str(obj["apiVersion"])
    if "/" not in group_version:
        return str(obj["kind"])
    group, version = group_version.split("/")
    return f"{obj['kind']}.{version}.{group}"


def _secret_digest(obj: dict[str, Any]) -> dict[str, str]:
    """A Secret's data by key as sha256 digests (values are never shown in a failure)."""
    data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    data.update({k: str(v).encode() for k, v in (obj.get("stringData") or {}).items()})
    return {k: hashlib.sha256(v).hexdigest()[:16] for k, v in data.items()}


def _differences(want: Any, live: Any, commit: str, at: str = "") -> list[str]:
    """Fields of `want` that `live` lacks or holds otherwise (live may hold more: defaults)."""
    if isinstance(want, dict):
        if not isinstance(live, dict):
            return [f"{at}: not a mapping live"]
        found: list[str] = []
        for key, value in want.items():
            if value in (None, {}, []) and key not in live:
                continue  # the server drops empty fields
            if key == CHART_LABEL and at.endswith(".labels"):
                value = f"{value}_{commit[:12]}"
            found += _differences(value, live.get(key), commit, f"{at}.{key}")
        return found
    if isinstance(want, list):
        if not isinstance(live, list) or len(live) != len(want):
            return [f"{at}: {len(want)} item(s) rendered, live differs"]
        return [d for i, (w, v) in enumerate(zip(want, live, strict=True))
                for d in _differences(w, v, commit, f"{at}[{i}]")]  # fmt: skip
    if want != live and str(want) != str(live):
        return [f"{at}: rendered {want!r}, live {live!r}"]
    return []


def test_live_objects_equal_the_helm_sdk_render_of_the_same_values(setup: Setup) -> None:
    state = _desired(setup.stack)
    compared = 0
    for item in state.releases:
        expected = item.objects()
        assert expected, item.key
        kinds = sorted({_resource(obj) for obj in expected})
        selector = f"helm.toolkit.fluxcd.io/name={item.release.name}"
        listed = setup.cluster.get_json(",".join(kinds), "-A", "-l", selector)["items"]
        live_keys = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
                     for o in listed}  # fmt: skip
        hooks = {(h["kind"], item.release.namespace, h["metadata"]["name"])
                 for h in (item.rendered.hooks if item.rendered else ())}  # fmt: skip
        want_keys = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
                     for o in expected}  # fmt: skip
        assert live_keys - hooks == want_keys, (item.key, live_keys ^ want_keys)
        for obj in expected:
            meta = obj["metadata"]
            ns = ["-n", meta["namespace"]] if meta.get("namespace") else []
            live = setup.cluster.get_json(_resource(obj), meta["name"], *ns)
            for label in FLUX_LABELS:
                assert live["metadata"]["labels"].get(label), (obj["kind"], meta["name"], label)
            if obj["kind"] == "Secret":
                assert _secret_digest(live) == _secret_digest(obj), (item.key, meta["name"])
                want = {k: v for k, v in obj.items() if k not in ("data", "stringData")}
            else:
                want = obj
            problems = _differences(want, live, setup.pushed[0])
            assert not problems, (item.key, obj["kind"], meta["name"], problems[:5])
            compared += 1
    assert compared >= 30, compared  # 38 objects of 9 releases


def test_a_deploy_of_the_same_environment_would_change_nothing_but_the_chart_label(
    setup: Setup,
) -> None:
    """`unideploy diff` on what Flux installed: what `unideploy deploy` would change there.

    Only the chart label (a chart from Git carries the commit in its version), in every object;
    no other field, no object missing (the test above compares the sets). The label is also the
    only field the diff says a deploy would take over from helm-controller.
    """
    done = setup.cli("diff", "-e", ENV, "--skip-terraform", "-o", "json")
    found = json.loads(done.stdout)
    assert found["complete"], found["notes"]
    assert len(found["releases"]) == 9, [r["release"] for r in found["releases"]]
    changed: list[str] = []
    for release in found["releases"]:
        assert release["error"] is None, release
        # What a deploy would take from helm-controller, which applied it: the label, alone or
        # inside an atomic field (a StatefulSet's volumeClaimTemplates), equal up to it.
        for conflict in release["conflicts"]:
            assert conflict["manager"] == "helm-controller", conflict
            if not conflict["field"].endswith(f"labels.{CHART_LABEL}"):
                apart = _differences(conflict["desired"], conflict["live"], setup.pushed[0])
                assert not apart, (conflict["object"], conflict["field"], apart)
        for change in release["changes"]:
            assert change["action"] == "update", (release["release"], change)
            lines = change["diff"].splitlines()
            edits = [x for x in lines if x[:1] in "+-" and x[:3] not in ("+++", "---")]
            assert edits and all(CHART_LABEL in x for x in edits), (change["object"], edits)
            changed.append(change["object"])
    assert changed, "a chart from Git carries the commit in its version: the label must differ"


def _values_change(setup: Setup, title: str) -> None:
    path = setup.stack / "environments" / ENV / "values.yaml"
    text = path.read_text()
    assert '  settings:\n    title: "Homelab (development)"' in text
    path.write_text(text.replace('"Homelab (development)"', json.dumps(title)))


def test_status_reports_the_new_revision_once_flux_applied_a_values_change(
    setup: Setup,
) -> None:
    title = "Homelab (development, second revision)"
    _values_change(setup, title)
    commit = setup.render_push()
    assert commit != setup.pushed[0]
    # The push itself asked Flux to fetch now (before bootstrap there was nothing to ask).
    assert setup.woken[0] == [] and setup.woken[-1] == [f"{NS}/homelab"], setup.woken
    source = setup.cluster.get_json(f"{SOURCE}/homelab", namespace=NS)
    asked = source["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"]

    def applied() -> bool:
        found = setup.status_json()
        return found["healthy"] and all(
            o["revision"] == f"main@sha1:{commit}"
            if o["kind"] != "HelmRelease"
            else o["revision"].endswith(commit[:12])
            for o in found["objects"]
        )

    poll(
        f"gitops status at {commit[:12]}",
        applied,
        setup.status,
        lambda: json.dumps(setup.status_json()["objects"])[-3000:],
        deadline_s=RECONCILE_S,
    )
    live = setup.cluster.get_json("configmap", "homepage-settings", namespace="apps")
    assert live["data"]["title"] == title
    handled = setup.cluster.get_json(f"{SOURCE}/homelab", namespace=NS)["status"]
    assert handled.get("lastHandledReconcileAt") == asked, (asked, handled)
    text = setup.cli("gitops", "status", "-e", ENV, timeout=120)
    assert text.returncode == 0, text.stdout
    assert f"✓ Kustomization {NS}/homelab-applications: Ready at main@sha1:{commit}" in text.stdout


def _deployed_config(setup: Setup) -> str:
    """The configDigest of homepage's deployed Helm release, as helm-controller recorded it."""
    release = setup.cluster.get_json(f"{HELMRELEASE}/homepage", namespace=NS)
    deployed = [h for h in release["status"]["history"] if h["status"] == "deployed"]
    assert len(deployed) == 1, release["status"]["history"]
    return str(deployed[0]["configDigest"])


def test_a_broken_commit_is_named_with_the_controllers_message_and_the_last_good_runs(
    setup: Setup, tmp_path: Path
) -> None:
    before = setup.cluster.get_json("configmap", "homepage-settings", namespace="apps")
    good_values = _deployed_config(setup)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(setup.repository), str(clone))
    path = clone / "flux" / "tiers" / "applications" / "homepage.yaml"
    header = "".join(line + "\n" for line in path.read_text().splitlines() if line.startswith("#"))
    release = yaml.safe_load(path.read_text())
    # Requests without limits: the web-app chart's own `fail` stops the render.
    release["spec"]["values"]["resources"] = {"requests": {"cpu": "50m"}}
    path.write_text(header + yaml.safe_dump(release, sort_keys=True))
    git(clone, "commit", "-q", "-am", "homepage: requests without limits")
    git(clone, "push", "-q", "origin", "HEAD:refs/heads/main")
    broken = git(clone, "rev-parse", "HEAD")
    request_reconcile(setup.cluster, SOURCE, "homelab", NS, f"push-{broken[:12]}")
    message = "web-app: resources need both requests and limits"

    def homepage() -> dict[str, Any]:
        found = setup.status_json()["objects"]
        return next(o for o in found if o["kind"] == "HelmRelease" and o["name"] == "homepage")

    poll(
        "the broken commit reported",
        lambda: not homepage()["ok"] and any(message in p for p in homepage()["problems"]),
        setup.status,
        lambda: json.dumps(homepage()),
        deadline_s=RECONCILE_S,
    )
    shown: list[str] = []

    def named_on_the_terminal() -> bool:
        # helm-controller retries the upgrade (remediation retries): between two attempts the
        # object reads "Running 'upgrade' action" for a moment, without the failure's message.
        done = setup.cli("gitops", "status", "-e", ENV, timeout=120)
        lines = done.stdout.splitlines()
        at = next(
            (i for i, line in enumerate(lines) if f"✗ HelmRelease {NS}/homepage" in line), None
        )
        shown[:] = lines if at is None else lines[at : at + 5]
        return at is not None and done.returncode == 1 and message in " ".join(shown)

    poll(
        "`gitops status` naming the failure",
        named_on_the_terminal,
        setup.status,
        lambda: "\n".join(shown),
        deadline_s=120,
    )
    problems = " ".join(homepage()["problems"])
    assert "new values attempted, not applied" in problems, problems
    # The last good values keep running. (The chart itself is the new commit's: helm-controller
    # upgraded to its chart, unchanged but for the version, before the new values reached it.)
    assert _deployed_config(setup) == good_values
    after = setup.cluster.get_json("configmap", "homepage-settings", namespace="apps")
    assert after["data"] == before["data"]
    deployment = setup.cluster.get_json("deployment", "homepage", namespace="apps")
    limits = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits, "the running homepage lost its limits"
