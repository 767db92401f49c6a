"""gitops status, judged per object: Argo CD sync/health/operation, Flux Ready/Stalled/suspend."""

from __future__ import annotations

from unideploy.gitops.status import argo_application, flux_object


def test_failed_argo_sync_and_comparison_errors_are_named() -> None:
    app = {
        "metadata": {"name": "web", "namespace": "argocd"},
        "status": {
            "sync": {"status": "OutOfSync"},
            "health": {"status": "Missing"},
            "operationState": {"phase": "Failed", "message": "one or more objects failed to apply"},
            "conditions": [{"type": "ComparisonError", "message": "chart not found"}],
        },
    }
    judged = argo_application(app)
    assert (judged.ok, judged.state) == (False, "OutOfSync/Missing")
    assert judged.problems == (
        "last sync failed: one or more objects failed to apply",
        "ComparisonError: chart not found",
    )
    assert judged.fix == "argocd app diff web; argocd app sync web"


def test_an_application_without_status_is_unknown_not_ok() -> None:
    judged = argo_application({"metadata": {"name": "new", "namespace": "argocd"}})
    assert (judged.ok, judged.state) == (False, "Unknown/Unknown")


def test_flux_stalled_and_sources() -> None:
    obj = {
        "kind": "GitRepository",
        "metadata": {"name": "repo", "namespace": "flux-system"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "GitOperationFailed",
                    "message": "auth",
                },
                {"type": "Stalled", "status": "True", "message": "invalid URL"},
            ]
        },
    }
    judged = flux_object(obj, "source git")
    assert judged.problems == ("not ready (GitOperationFailed): auth", "stalled: invalid URL")
    assert judged.fix == "flux reconcile source git repo -n flux-system"
    fresh = flux_object(
        {"kind": "Kustomization", "metadata": {"name": "k", "namespace": "f"}}, "kustomization"
    )
    assert (fresh.ok, fresh.state, fresh.problems) == (
        False,
        "Unknown",
        ("not ready (no Ready condition yet)",),
    )
