"""The test runners against real servers on 127.0.0.1: ok, failing, slow, flaky, TLS, perf."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from tests.checks.tlskit import make_ca, make_leaf, server_context
from tests.integration.http_targets import Target, http_target

from unideploy.config.tests_model import KINDS, TestCase
from unideploy.engines.kube.client import api_client
from unideploy.tests_runtime import TestEnv, run_case


def case(kind: str, **fields: Any) -> TestCase:
    data = {"name": "t", "category": "application", "kind": kind, "retryDelay": 0.05, **fields}
    return KINDS[kind].model_validate(data)


@pytest.fixture
def env(tmp_path: Path) -> TestEnv:
    return TestEnv(environment="development", root=tmp_path, baseline_dir=tmp_path / "baselines")


@pytest.fixture
def server() -> Any:
    with http_target() as target:
        yield target


def test_http_checks_status_body_json_and_headers(server: Target, env: TestEnv) -> None:
    test = case(
        "http",
        url=server.url("/ok"),
        expect={
            "bodyContains": ["alpha"],
            "bodyRegex": r'"version":\s*3',
            "jsonEquals": {"status": "ok", "items[0].name": "alpha", "$.version": 3},
            "headers": {"X-App": "demo-app"},
            "maxLatencyMs": 2000,
        },
    )

    result = run_case(test, env)

    assert result.passed, result.message
    assert result.attempts == 1
    assert result.details["status"] == 200


def test_http_reports_every_expectation_it_missed(server: Target, env: TestEnv) -> None:
    test = case(
        "http",
        url=server.url("/ok"),
        retries=0,
        expect={"bodyContains": "beta", "jsonEquals": {"version": 4, "missing.key": 1}},
    )

    result = run_case(test, env)

    assert not result.passed
    assert "body does not contain 'beta'" in result.message
    assert "JSON path version is 3, expected 4" in result.message
    assert "JSON path missing.key is missing" in result.message


def test_failing_server_is_retried_then_fails_with_its_status_and_body(
    server: Target, env: TestEnv
) -> None:
    result = run_case(case("http", url=server.url("/fail"), retries=2), env)

    assert not result.passed
    assert result.attempts == 3
    assert server.hits["/fail"] == 3
    assert result.message.startswith("status 500, expected 200: database unavailable")


def test_flaky_server_passes_on_a_later_attempt(server: Target, env: TestEnv) -> None:
    server.flaky_failures = 2
    progress: list[str] = []

    result = run_case(case("http", url=server.url("/flaky")), env, progress.append)

    assert result.passed, result.message
    assert result.attempts == 3
    assert len(progress) == 2 and "status 503" in progress[0]


def test_slow_server_times_out_per_attempt(server: Target, env: TestEnv) -> None:
    started = time.monotonic()

    result = run_case(case("http", url=server.url("/slow?s=3"), timeout=0.3, retries=1), env)

    assert not result.passed
    assert result.attempts == 2
    assert "timed out" in result.message
    assert time.monotonic() - started < 2.5


def test_latency_budget_fails_a_slow_but_correct_answer(server: Target, env: TestEnv) -> None:
    test = case("http", url=server.url("/slow?s=0.3"), retries=0, expect={"maxLatencyMs": 100})

    result = run_case(test, env)

    assert not result.passed
    assert "over the 100 ms budget" in result.message


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown(
    server: Target, env: TestEnv
) -> None:
    url = server.url("/auth").replace("http://", "http://ops:s3cret@")

    good = run_case(case("http", url=url), env)
    bad = run_case(case("http", url=url.replace("s3cret", "wrong"), retries=0), env)

    assert good.passed, good.message
    assert good.details["target"] == "GET " + server.url("/auth").replace("//", "//***@")
    assert "s3cret" not in repr(good) and "wrong" not in repr(bad)
    assert not bad.passed and "status 401" in bad.message


def test_redirects_are_not_followed(server: Target, env: TestEnv) -> None:
    assert run_case(case("http", url=server.url("/redirect"), expect={"status": 302}), env).passed


def test_refused_connection_is_a_failed_test_not_an_error(env: TestEnv) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = run_case(case("http", url=f"http://127.0.0.1:{port}/", retries=0), env)

    assert not result.passed
    assert "refused" in result.message.lower()


def test_tls_with_a_private_ca(tmp_path: Path, env: TestEnv) -> None:
    ca = make_ca(tmp_path)
    leaf = make_leaf(tmp_path, "server", ca=ca)
    with http_target(server_context(leaf)) as target:
        url = target.url("/ok")
        trusted = run_case(case("http", url=url, tls={"caBundle": str(ca.cert_path)}), env)
        untrusted = run_case(case("http", url=url, retries=0), env)
        unverified = run_case(case("http", url=url, tls={"verify": False}), env)

    assert trusted.passed, trusted.message
    assert not untrusted.passed
    assert "not trusted" in untrusted.message
    assert unverified.passed, unverified.message


def test_tcp_connect_open_and_closed_ports(server: Target, env: TestEnv) -> None:
    port = int(server.base.rsplit(":", 1)[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]

    opened = run_case(case("tcp", host="127.0.0.1", port=port), env)
    refused = run_case(case("tcp", host="127.0.0.1", port=closed, retries=0), env)

    assert opened.passed, opened.message
    assert not refused.passed
    assert f"127.0.0.1:{closed}" in refused.message


def test_dns_resolves_and_compares_addresses(env: TestEnv) -> None:
    good = run_case(case("dns", host="localhost", family="ipv4", addresses=["127.0.0.1"]), env)
    wrong = run_case(
        case("dns", host="localhost", family="ipv4", addresses=["10.9.9.9"], retries=0), env
    )
    missing = run_case(case("dns", host="no-such-host.invalid", retries=0), env)

    assert good.passed, good.message
    assert not wrong.passed and "missing 10.9.9.9" in wrong.message
    assert not missing.passed and "does not resolve" in missing.message


def perf(server: Target, **fields: Any) -> TestCase:
    settings = {"url": server.url("/delay"), "requests": 40, "concurrency": 4, "retries": 0}
    return case("perf", category="performance", **{**settings, **fields})


def test_perf_percentiles_bracket_the_servers_known_delay(server: Target, env: TestEnv) -> None:
    server.delay_s = 0.05

    result = run_case(perf(server, baseline=None), env)

    assert result.passed, result.message
    stats = result.details
    assert 50 <= stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"] <= stats["max_ms"]
    assert stats["p50_ms"] < 50 + 250, stats
    assert stats["error_rate"] == 0 and stats["requests"] == 40


def test_perf_budget_and_error_rate(server: Target, env: TestEnv) -> None:
    server.delay_s = 0.05
    over_budget = run_case(perf(server, baseline=None, budget={"p50Ms": 10}), env)
    failing = run_case(perf(server, url=server.url("/fail"), baseline=None, maxErrorRate=0.1), env)

    assert not over_budget.passed and "over the 10 ms budget" in over_budget.message
    assert not failing.passed and "error rate 100.0% over 10.0%" in failing.message


def test_perf_baseline_is_recorded_then_a_slowdown_is_caught(
    server: Target, env: TestEnv, tmp_path: Path
) -> None:
    server.delay_s = 0.02
    baseline = {"tolerance": 1.0, "slackMs": 150}
    first = run_case(perf(server, baseline=baseline), env)
    recorded = run_case(perf(server, baseline=baseline), _updating(env))
    same = run_case(perf(server, baseline=baseline), env)
    server.delay_s = 0.8
    slower = run_case(perf(server, baseline=baseline, requests=12), env)

    stored = json.loads((tmp_path / "baselines" / "development" / "t.json").read_text())
    assert first.passed and "no baseline yet" in first.message
    assert recorded.passed and "baseline recorded" in recorded.message
    assert 20 <= stored["p50_ms"] < 200
    assert same.passed, same.message
    assert not slower.passed
    assert "p50" in slower.message and "over the baseline's" in slower.message


def _updating(env: TestEnv) -> TestEnv:
    return TestEnv(env.environment, env.root, baseline_dir=env.baseline_dir, update_baseline=True)


def test_security_test_over_manifest_files(tmp_path: Path, env: TestEnv) -> None:
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\n"
        "spec:\n  containers:\n    - name: c\n      image: nginx:latest\n"
        "      securityContext: {privileged: true}\n"
    )
    strict = case("security", category="security", scope="manifests", paths=["pod.yaml"])
    lenient = case(
        "security", category="security", scope="manifests", paths=["pod.yaml"], failOn="none"
    )

    blocked = run_case(strict.model_copy(update={"fail_on": "high", "retries": 0}), env)
    allowed = run_case(lenient, env)

    assert not blocked.passed
    assert "UD-K8S-001" in blocked.message
    assert any(f["check_id"] == "UD-K8S-001" and f["blocking"] for f in blocked.details["findings"])
    assert allowed.passed, allowed.message
    assert allowed.details["reported"] > 0


def test_a_missing_kubeconfig_is_not_retried(tmp_path: Path) -> None:
    env = TestEnv("development", tmp_path, kube=lambda: api_client(tmp_path / "no-such-kubeconfig"))

    result = run_case(case("k8s", check="nodes-ready", retryDelay=5), env)

    assert not result.passed and result.attempts == 1
    assert "cannot load kubeconfig" in result.message
