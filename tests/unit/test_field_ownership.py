"""Fields left to others, conflict parsing, the post-renderer and the failed-rollback report."""

from __future__ import annotations

from typing import Any

import yaml

from unideploy.config.model import Release
from unideploy.config.ownership import (
    autoscaler_targets,
    covers,
    keep_live,
    left_paths,
    parse_path,
)
from unideploy.engines.helm.contract import Revision
from unideploy.engines.helm.postrender import post_render
from unideploy.engines.kube.conflicts import lookup
from unideploy.errors import EngineError
from unideploy.execute.phases.helm_release import _undo
from unideploy.execute.result import Status

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "a", "image": "x:1"}]}}},
}


def release(**extra: Any) -> Release:
    return Release.model_validate(
        {"name": "web", "namespace": "apps", "chart": {"path": "c"}, "tier": "t", **extra}
    )


def test_autoscalers_name_their_targets_keda_defaulting_to_deployment() -> None:
    hpa = {
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h"},
        "spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "db"}},
    }
    keda = {"kind": "ScaledObject", "metadata": {"name": "k", "namespace": "q"},
            "spec": {"scaleTargetRef": {"name": "worker"}}}  # fmt: skip
    assert autoscaler_targets([hpa, keda, DEPLOYMENT], "apps") == {
        ("StatefulSet", "apps", "db"),
        ("Deployment", "q", "worker"),
    }


def test_left_paths_join_configuration_and_autoscaled_replicas() -> None:
    configured = release(
        leaveToOthers=[{"kind": "Deployment", "name": "web", "fields": [".spec.paused"]}]
    )
    assert left_paths(configured, DEPLOYMENT, set()) == (("spec", "paused"),)
    scaled = {("Deployment", "apps", "web")}
    assert left_paths(configured, DEPLOYMENT, scaled) == (("spec", "replicas"), ("spec", "paused"))
    assert left_paths(release(), DEPLOYMENT, {("Deployment", "apps", "other")}) == ()
    assert parse_path("spec.template.metadata") == ("spec", "template", "metadata")
    assert covers([("spec", "replicas")], ("spec", "replicas"))
    assert not covers([("spec", "replicas")], ("spec",))


def test_keep_live_takes_the_live_value_only_where_the_live_object_has_one() -> None:
    live = {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replicas": 5}}
    pinned, kept = keep_live(DEPLOYMENT, live, [("spec", "replicas"), ("spec", "paused")])
    assert (pinned["spec"]["replicas"], kept) == (5, {"spec.replicas": 5})
    assert DEPLOYMENT["spec"]["replicas"] == 2
    assert keep_live(DEPLOYMENT, None, [("spec", "replicas")]) == (DEPLOYMENT, {})


def test_conflict_paths_resolve_list_items_by_their_keys() -> None:
    assert lookup(DEPLOYMENT, ".spec.replicas") == 2
    field = '.spec.template.spec.containers[name="a"].image'
    assert lookup(DEPLOYMENT, field) == "x:1"
    assert lookup(DEPLOYMENT, '.spec.template.spec.containers[name="b"].image') is None


def test_post_render_rewrites_only_the_named_object() -> None:
    service = (
        "---\n# Source: c/templates/svc.yaml\n"
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
    )
    deployment = "---\n# Source: c/templates/dep.yaml\n" + yaml.safe_dump(DEPLOYMENT)
    kept = [{"api_version": "apps/v1", "kind": "Deployment", "namespace": "apps", "name": "web",
             "values": {"spec.replicas": 5}}]  # fmt: skip
    out = post_render(service + deployment, kept)
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert [d["kind"] for d in docs] == ["Service", "Deployment"]
    assert docs[1]["spec"]["replicas"] == 5
    assert out.startswith(service)
    assert "# Source: c/templates/dep.yaml" in out


class RollbackFails:
    """A HelmEngine whose rollback fails: only the methods `_undo` calls."""

    def rollback(self, name: str, namespace: str, revision: int | None = None, **_: Any) -> Any:
        raise EngineError(f"helm rollback of release {name!r} failed: conflict")

    def uninstall(self, name: str, namespace: str, **_: Any) -> bool:
        raise AssertionError("not a first install")


def test_a_failed_rollback_reports_the_upgrade_error_first() -> None:
    previous = Revision("web", "apps", 3, "deployed", "c-1")
    details: dict[str, Any] = {}
    engine: Any = RollbackFails()
    outcome = _undo(engine, release(), previous, "upgrade failed: timed out", details)
    assert outcome.status is Status.FAILED
    assert outcome.reason is not None
    assert outcome.reason.startswith("upgrade failed: timed out; then the rollback to revision 3")
    assert details["rollback_error"].endswith("failed: conflict")


def test_conflicts_on_a_secret_show_neither_value(monkeypatch: Any) -> None:
    from unideploy.engines.kube.conflicts import DryRun, FieldConflict
    from unideploy.execute.phases import ownership

    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}}
    found = [
        FieldConflict("Secret ns/db", "data.password", "kubectl", "Update", "", "bGl2ZQ==", "b3Vy"),
        FieldConflict("Secret ns/db", "metadata.labels.tier", "kubectl", "Update", "", "a", "b"),
    ]
    pinned = (ownership.Pinned("Secret ns/db", "ns", secret, {"kind": "Secret"}, None),)
    monkeypatch.setattr(ownership, "pin_release", lambda *a: pinned)
    answer = DryRun(None, tuple(found))
    monkeypatch.setattr(ownership, "dry_run_as", lambda *a, **k: answer)
    check = ownership.check_release(None, release(), [secret], "helm")
    message = ownership.conflict_message(check.conflicts)
    assert "bGl2ZQ==" not in message and "b3Vy" not in message
    assert "(redacted sha256:" in message
    hidden, label = check.conflicts
    assert hidden.live != hidden.desired  # still tells the two values apart
    assert (label.live, label.desired) == ("a", "b")
