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


def test_flux_revisions_applied_and_attempted() -> None:
    kustomization = {
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "status": {
            "lastAppliedRevision": "main@sha1:aaa",
            "lastAttemptedRevision": "main@sha1:bbb",
            "conditions": [{"type": "Ready", "status": "False", "reason": "HealthCheckFailed"}],
        },
    }
    judged = flux_object(kustomization, "kustomization")
    assert judged.revision == "main@sha1:aaa"
    assert "revision main@sha1:bbb attempted, not applied" in judged.problems
    history = [
        {"status": "deployed", "chartVersion": "0.1.0+bbb", "configDigest": "sha256:old"},
        {"status": "superseded", "chartVersion": "0.1.0+aaa", "configDigest": "sha256:old"},
    ]
    release = {
        "kind": "HelmRelease",
        "metadata": {"name": "web", "namespace": "flux-system"},
        "status": {
            "history": history,
            "lastAttemptedRevision": "0.1.0+bbb",
            "lastAttemptedConfigDigest": "sha256:new",
            "conditions": [{"type": "Ready", "status": "False", "reason": "UpgradeFailed"}],
        },
    }
    judged = flux_object(release, "helmrelease")
    assert judged.revision == "0.1.0+bbb" and not judged.ok
    assert any("new values attempted, not applied" in p for p in judged.problems)
    release["status"]["lastAttemptedConfigDigest"] = "sha256:old"  # type: ignore[index]
    release["status"]["conditions"] = [{"type": "Ready", "status": "True"}]  # type: ignore[index]
    judged = flux_object(release, "helmrelease")
    assert judged.ok and judged.problems == ()


def test_a_retrying_helm_release_still_names_its_last_failure() -> None:
    failure = (
        "Helm upgrade failed: execution error: web-app: resources need both requests and limits"
    )
    release = {
        "kind": "HelmRelease",
        "metadata": {"name": "web", "namespace": "flux-system"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "Unknown",
                    "reason": "Progressing",
                    "message": "Running 'upgrade' action with timeout of 10m0s",
                },
                {
                    "type": "Released",
                    "status": "False",
                    "reason": "UpgradeFailed",
                    "message": failure,
                },
                {
                    "type": "Remediated",
                    "status": "True",
                    "reason": "RollbackSucceeded",
                    "message": "ok",
                },
            ]
        },
    }
    judged = flux_object(release, "helmrelease")
    assert f"last released attempt failed (UpgradeFailed): {failure}" in judged.problems
    assert not any("remediated" in p for p in judged.problems)  # that one succeeded
    # Once failed for good, Ready carries the same message: it is not repeated.
    release["status"]["conditions"][0].update(
        status="False", reason="UpgradeFailed", message=failure
    )  # type: ignore[index]
    assert flux_object(release, "helmrelease").problems == (
        f"not ready (UpgradeFailed): {failure}",
    )
