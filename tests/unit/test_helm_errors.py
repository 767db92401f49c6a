"""Helm SDK failures become EngineErrors: release named, hint given, retryable when transient."""

from __future__ import annotations

import helm_python as hp
import pytest

from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.errors import (
    engine_error,
    redact,
    secret_object_strings,
    secret_strings,
)

SPEC = ReleaseSpec("grafana", "monitoring", "helm/charts/web-app", timeout_s=600)


def test_kube_connection_errors_are_retryable() -> None:
    exc = hp.HelmKubeError(
        'kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": '
        "dial tcp 127.0.0.1:1: connect: connection refused"
    )
    err = engine_error(exc, SPEC, "upgrade")
    assert err.retryable is True
    assert err.message.startswith('helm upgrade of release "grafana" (namespace monitoring) failed')
    assert err.hint and "reachable" in err.hint


@pytest.mark.parametrize(
    ("exc", "hint_word"),
    [
        (hp.HelmRenderError("template: x:1: bad"), "values"),
        (hp.HelmChartLoadError("no Chart.yaml"), "chart reference"),
        (hp.HelmRepoError("chart not found"), "version"),
        (
            hp.HelmReleaseError("another operation (install/upgrade/rollback) is in progress"),
            "recover-pending",
        ),
        (hp.HelmReleaseError("context deadline exceeded"), "600 s"),
        (hp.HelmCancelledError("context canceled"), "cancelled"),
        (
            hp.HelmReleaseError(
                "server-side apply failed for object apps/web /v1, Kind=Service: Internal error "
                'occurred: failed to allocate a serviceIP for Service "web": range is full'
            ),
            "sandbox down --purge",
        ),
    ],
)
def test_each_failure_gets_a_hint_and_is_not_retryable(exc: hp.HelmError, hint_word: str) -> None:
    err = engine_error(exc, SPEC, "install")
    assert err.hint is not None and hint_word in err.hint
    assert err.retryable is False
    assert '"grafana"' in err.message


def test_values_under_secret_keys_are_collected_with_their_base64() -> None:
    spec = ReleaseSpec(
        "app",
        "ns",
        "c",
        values={
            "adminPassword": "s3cr3t-admin",
            "smtp": {"auth": {"token": "tok-12345"}},
            "oauth": {"clientSecret": ["list-secret-1"]},
            "title": "public title",
            "enabled": True,
        },
    )
    found = secret_strings(spec)
    assert {"s3cr3t-admin", "tok-12345", "list-secret-1", "czNjcjN0LWFkbWlu"} <= set(found)
    assert "public title" not in found
    assert redact("pw=s3cr3t-admin b64=czNjcjN0LWFkbWlu", found) == "pw=*** b64=***"


def test_long_details_are_shortened_and_flattened() -> None:
    err = engine_error(hp.HelmReleaseError("line one\n" + "x" * 2000), SPEC, "upgrade")
    assert "\n" not in err.message
    assert len(err.message) < 800 and err.message.endswith("…")


def test_rendered_secret_data_is_hidden_from_apply_errors() -> None:
    manifests = [
        {"kind": "ConfigMap", "data": {"title": "visible-title"}},
        {"kind": "Secret", "data": {"pw": "cGFzc3dvcmQtMTIz"}, "stringData": {"tok": "tok-abcdef"}},
    ]
    hidden = secret_object_strings(manifests)
    assert {"cGFzc3dvcmQtMTIz", "password-123", "tok-abcdef"} <= set(hidden)
    assert "visible-title" not in hidden
    exc = hp.HelmReleaseError('Secret "db" is invalid: value "password-123" / cGFzc3dvcmQtMTIz')
    err = engine_error(exc, SPEC, "upgrade", also_hide=hidden)
    assert "password-123" not in err.render() and "cGFzc3dvcmQtMTIz" not in err.render()
    assert 'Secret "db" is invalid: value "***" / ***' in err.message
