"""The reference stack's charts render offline for every environment, with its values."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import helm_python as hp
import pytest
from ruamel.yaml import YAML

from unideploy.config.encrypted import read_values_file
from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec, Rendered
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.registry import Severity, run_checks

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("development", "staging", "production")
RELEASES = {
    "metallb-config": ("metallb-system", "metallb-config"),
    "cert-issuers": ("cert-manager", "cert-issuers"),
    "ingress-nginx": ("ingress-nginx", "web-app"),
    "longhorn": ("longhorn-system", "storage"),
    "postgres": ("databases", "database"),
    "prometheus": ("monitoring", "web-app"),
    "loki": ("monitoring", "web-app"),
    "grafana": ("monitoring", "web-app"),
    "homepage": ("apps", "web-app"),
}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}
CLUSTER_SCOPED = {"StorageClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}


def _load(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe").load(path.read_text())
    return dict(data or {})


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def env_values(environment: str, release: str) -> dict[str, Any]:
    """Release values file, then each of the environment's values files (decrypted when sops wrote
    them, as a deploy reads them): its global block and its block for the release."""
    values = _load(ROOT / "helm" / "values" / f"{release}.yaml")
    for name in _load(ROOT / "stack.yaml")["environments"][environment]["values"]:
        env, _ = read_values_file(ROOT / name)
        values = _merge(values, {"global": env["global"]} if "global" in env else {})
        values = _merge(values, env.get(release) or {})
    return values


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> SdkHelm:
    return SdkHelm(cache=ChartCache(tmp_path_factory.mktemp("charts")))


def render(helm: SdkHelm, release: str, environment: str) -> Rendered:
    namespace, chart = RELEASES[release]
    spec = ReleaseSpec(
        name=release,
        namespace=namespace,
        chart=str(ROOT / "helm" / "charts" / chart),
        values=env_values(environment, release),
    )
    return helm.render(spec)


def of_kind(rendered: Rendered, kind: str) -> list[dict[str, Any]]:
    return [m for m in rendered.manifests if m["kind"] == kind]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("release", sorted(RELEASES))
def test_every_release_renders_for_every_environment(
    helm: SdkHelm, release: str, environment: str
) -> None:
    rendered = render(helm, release, environment)
    namespace, chart = RELEASES[release]
    assert rendered.manifests, "a release must create objects"
    assert rendered.chart_name == chart
    assert rendered.chart_digest.startswith("sha256:") and len(rendered.chart_digest) == 71
    for obj in rendered.manifests:
        meta = obj["metadata"]
        assert meta["labels"]["app.kubernetes.io/instance"] == release
        if obj["kind"] not in CLUSTER_SCOPED:
            assert meta["namespace"] == namespace
        if "unideploy.io/environment" in meta["labels"]:
            assert meta["labels"]["unideploy.io/environment"] == environment


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("release", sorted(RELEASES))
def test_workloads_are_secure_by_default(helm: SdkHelm, release: str, environment: str) -> None:
    rendered = render(helm, release, environment)
    for obj in rendered.manifests:
        if obj["kind"] not in WORKLOAD_KINDS:
            continue
        pod = obj["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["serviceAccountName"] != "default"
        for container in pod["containers"]:
            ctx = container["securityContext"]
            assert ctx["allowPrivilegeEscalation"] is False
            assert ctx["readOnlyRootFilesystem"] is True
            assert ctx["capabilities"]["drop"] == ["ALL"]
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest")
            assert set(container["resources"]) == {"requests", "limits"}
            assert "readinessProbe" in container and "livenessProbe" in container


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_replicas_and_resources_follow_the_environment(helm: SdkHelm, environment: str) -> None:
    global_block = _load(ROOT / "environments" / environment / "values.yaml")["global"]
    rendered = render(helm, "grafana", environment)
    (deployment,) = of_kind(rendered, "Deployment")
    assert deployment["spec"]["replicas"] == global_block["replicas"]["min"]
    resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources == global_block["resources"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("release", ["homepage", "prometheus", "loki", "grafana", "ingress-nginx"])
def test_network_policies_exist_only_when_enforced(
    helm: SdkHelm, release: str, environment: str
) -> None:
    enforced = _load(ROOT / "environments" / environment / "values.yaml")["global"]["security"][
        "enforceNetworkPolicies"
    ]
    policies = of_kind(render(helm, release, environment), "NetworkPolicy")
    if not enforced:
        assert policies == []
        return
    names = {p["metadata"]["name"] for p in policies}
    assert f"{release}-default-deny" in names and f"{release}-allow" in names
    deny = next(p for p in policies if p["metadata"]["name"] == f"{release}-default-deny")
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]


def test_each_namespace_gets_exactly_one_namespace_wide_default_deny(helm: SdkHelm) -> None:
    per_namespace: dict[str, int] = {}
    for release, (namespace, _chart) in RELEASES.items():
        for policy in of_kind(render(helm, release, "production"), "NetworkPolicy"):
            if policy["spec"]["podSelector"] == {}:
                per_namespace[namespace] = per_namespace.get(namespace, 0) + 1
    assert per_namespace == {ns: 1 for ns, _chart in RELEASES.values()}


@pytest.mark.parametrize(
    ("environment", "retention", "replicas", "issuer"),
    [
        ("development", "7d", "1", "selfsigned"),
        ("staging", "15d", "2", "letsencrypt-staging"),
        ("production", "30d", "3", "letsencrypt-prod"),
    ],
)
def test_per_environment_settings(
    helm: SdkHelm, environment: str, retention: str, replicas: str, issuer: str
) -> None:
    (prom_settings,) = of_kind(render(helm, "prometheus", environment), "ConfigMap")
    assert prom_settings["data"]["retention"] == retention
    longhorn = render(helm, "longhorn", environment)
    (storage_class,) = of_kind(longhorn, "StorageClass")
    assert storage_class["metadata"]["name"] == "longhorn"
    assert storage_class["parameters"]["numberOfReplicas"] == replicas
    (settings,) = of_kind(longhorn, "ConfigMap")
    assert settings["data"]["default-replica-count"] == replicas
    (issuer_map,) = of_kind(render(helm, "cert-issuers", environment), "ConfigMap")
    assert issuer_map["data"]["issuer"] == issuer
    (ingress,) = of_kind(render(helm, "grafana", environment), "Ingress")
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == issuer
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]


def test_metallb_pool_comes_from_values_or_the_environment_default(helm: SdkHelm) -> None:
    (default_pool,) = of_kind(render(helm, "metallb-config", "staging"), "ConfigMap")
    assert (default_pool["data"]["pool-start"], default_pool["data"]["pool-end"]) == (
        "192.168.1.220",
        "192.168.1.235",
    )
    values = _merge(
        env_values("production", "metallb-config"),
        {"addressPool": {"start": "10.0.0.10", "end": "10.0.0.20"}},
    )
    spec = ReleaseSpec(
        "metallb-config",
        "metallb-system",
        str(ROOT / "helm/charts/metallb-config"),
        values=values,
    )
    (fed,) = of_kind(helm.render(spec), "ConfigMap")
    assert fed["data"]["pool-start"] == "10.0.0.10"
    assert "10.0.0.10-10.0.0.20" in fed["data"]["config.yaml"]


def test_environment_block_for_a_release_reaches_it(helm: SdkHelm) -> None:
    (settings,) = of_kind(render(helm, "homepage", "staging"), "ConfigMap")
    assert settings["data"]["title"] == "Homelab (staging)"


def test_every_stack_release_uses_a_chart_that_exists() -> None:
    stack = _load(ROOT / "stack.yaml")
    for release in stack["releases"]:
        path = release["chart"].get("path")
        if path is not None:
            assert (ROOT / path / "Chart.yaml").is_file(), release["name"]
            assert release["name"] in RELEASES, release["name"]


@pytest.mark.parametrize(
    "chart", ["web-app", "storage", "metallb-config", "cert-issuers", "database"]
)
def test_charts_lint_clean(chart: str) -> None:
    report = hp.lint(ROOT / "helm" / "charts" / chart, strict=True)
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert problems == [] and report["errors"] in (None, [])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_rendered_stack_passes_the_security_checks(helm: SdkHelm, environment: str) -> None:
    objects = [
        K8sObject(obj, path=release)
        for release in RELEASES
        for obj in render(helm, release, environment).manifests
    ]
    enforced = environment != "development"
    blocking = {Severity.CRITICAL, Severity.HIGH} | ({Severity.MEDIUM} if enforced else set())
    findings = [
        f"{f.check_id} {f.object}: {f.message}"
        for f in run_checks(objects)
        if f.severity in blocking and not f.exempted
    ]
    assert findings == []
