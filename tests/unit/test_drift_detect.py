"""drift.detect against a fake API server: ignore rules, HPA targets, missing and extra objects."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.unit.rest_answer import JsonAnswer
from tests.unit.test_gitops_sources import FakeHelm

from unideploy.config.load import load_stack
from unideploy.drift.detect import DriftOptions, detect

STACK = """\
apiVersion: unideploy.io/v1
name: shop
environments:
  development:
    values: [values.yaml]
releases:
  - name: web
    namespace: shop
    chart: {path: charts/web}
    tier: applications
"""


def _served(*entries: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": plural, "kind": kind, "namespaced": True} for kind, plural in entries]


#: Discovery documents of the group-versions the tests read.
DISCOVERY = {
    "/api/v1": _served(
        ("ConfigMap", "configmaps"), ("Service", "services"), ("ServiceAccount", "serviceaccounts")
    ),
    "/apis/apps/v1": _served(
        ("Deployment", "deployments"), ("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets")
    ),
    "/apis/networking.k8s.io/v1": _served(
        ("Ingress", "ingresses"), ("NetworkPolicy", "networkpolicies")
    ),
    "/apis/batch/v1": _served(("CronJob", "cronjobs")),
    "/apis/rbac.authorization.k8s.io/v1": _served(
        ("Role", "roles"), ("RoleBinding", "rolebindings")
    ),
    "/apis/autoscaling/v2": _served(("HorizontalPodAutoscaler", "horizontalpodautoscalers")),
}


class FakeApi:
    """Serves LIST requests from a dict of path → items and records every request."""

    def __init__(self, collections: dict[str, list[dict[str, Any]]]) -> None:
        self.collections = collections
        self.requests: list[tuple[str, str]] = []

    def param_serialize(self, method: str, resource_path: str, **_: Any) -> tuple[Any, ...]:
        return method, resource_path, {}, None, None

    def call_api(self, method: str, url: str, *_: Any, **__: Any) -> JsonAnswer:
        if url in DISCOVERY:
            return JsonAnswer(200, {"resources": DISCOVERY[url]})
        self.requests.append((method, url))
        if url in self.collections:
            return JsonAnswer(200, {"items": copy.deepcopy(self.collections[url])})
        return JsonAnswer(404, {"message": "not found"})


def _deployment(
    replicas: int, image: str, managers: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "annotations": {
                "meta.helm.sh/release-name": "web",
                "meta.helm.sh/release-namespace": "shop",
            },
            "managedFields": managers or [],
        },
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": "web", "image": image}]}},
        },
    }


class DeploymentHelm(FakeHelm):
    """Renders the ConfigMap of FakeHelm plus a Deployment with 2 replicas of web:1."""

    def render(self, spec: Any, *, live: bool = False) -> Any:
        out = super().render(spec, live=live)
        desired = _deployment(2, "web:1")
        desired["metadata"] = {"name": "web"}
        return type(out)(out.release, out.namespace, "c", "1", "x", (*out.manifests, desired))


def _stack(tmp_path: Path, ignore: str | None = None) -> Any:
    (tmp_path / "charts/web").mkdir(parents=True)
    (tmp_path / "charts/web/Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (tmp_path / "values.yaml").write_text("global: {domain: shop.test}\n")
    (tmp_path / "stack.yaml").write_text(STACK)
    if ignore is not None:
        (tmp_path / "ignore-differences.yaml").write_text(ignore)
    return load_stack(tmp_path / "stack.yaml")


def _api(
    deployment: dict[str, Any], extra: list[dict[str, Any]] = (), hpa: bool = False
) -> FakeApi:  # type: ignore[assignment]
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web", "namespace": "shop"},
        "data": {"domain": "shop.test"},
    }
    collections = {
        "/apis/apps/v1/namespaces/shop/deployments": [deployment],
        "/api/v1/namespaces/shop/configmaps": [config_map, *extra],
    }
    if hpa:
        target = {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"}
        collections["/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers"] = [
            {"metadata": {"name": "web"}, "spec": {"scaleTargetRef": target}}
        ]
    return FakeApi(collections)


OPTIONS = DriftOptions("development", terraform=False)


def test_one_list_per_kind_and_namespace_and_the_drifted_fields(tmp_path: Path) -> None:
    api = _api(_deployment(5, "web:2"))
    report = detect(_stack(tmp_path), OPTIONS, helm=DeploymentHelm(), api=api)
    assert [(o.key, o.state) for o in report.objects] == [("Deployment shop/web", "drifted")]
    fields = [(f.shown, f.live, f.desired) for f in report.objects[0].fields]
    assert fields == [
        ("spec.replicas", 5, 2),
        ("spec.template.spec.containers[name=web].image", "web:2", "web:1"),
    ]
    lists = [url for method, url in api.requests if method == "GET"]
    assert len(lists) == len(set(lists))  # never the same list twice
    assert not any(url.endswith("/web") for url in lists)  # no GET per object
    # Besides the lists, only server-side apply dry runs (one per live object).
    assert sorted(url for method, url in api.requests if method != "GET") == [
        "/api/v1/namespaces/shop/configmaps/web",
        "/apis/apps/v1/namespaces/shop/deployments/web",
    ]


def test_hpa_targets_controllers_and_ignore_rules(tmp_path: Path) -> None:
    image = {"f:containers": {'k:{"name":"web"}': {"f:image": {}}}}
    owner = {"manager": "image-updater", "fieldsV1": {"f:spec": {"f:template": {"f:spec": image}}}}
    scaled = _deployment(5, "web:2", [owner])
    rules = "- {kind: Deployment, managedFieldsManagers: [image-updater]}\n"
    report = detect(
        _stack(tmp_path, rules), OPTIONS, helm=DeploymentHelm(), api=_api(scaled, hpa=True)
    )
    assert report.objects == () and not report.has_drift
    pointer = "/spec/template/spec/containers/0/image"
    pointer_rule = f"- {{group: apps, kind: Deployment, jsonPointers: [{pointer}]}}\n"
    report = detect(
        _stack(tmp_path / "b", pointer_rule),
        OPTIONS,
        helm=DeploymentHelm(),
        api=_api(_deployment(5, "web:2")),
    )
    assert [f.shown for f in report.objects[0].fields] == ["spec.replicas"]


def test_missing_and_extra_objects(tmp_path: Path) -> None:
    leftover = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "old",
            "namespace": "shop",
            "annotations": {
                "meta.helm.sh/release-name": "web",
                "meta.helm.sh/release-namespace": "shop",
            },
        },
    }
    someone_elses = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "kube-root-ca.crt", "namespace": "shop"},
    }
    api = _api(_deployment(2, "web:1"), extra=[leftover, someone_elses])
    api.collections["/apis/apps/v1/namespaces/shop/deployments"] = []
    report = detect(_stack(tmp_path), OPTIONS, helm=DeploymentHelm(), api=api)
    assert [(o.key, o.state, o.release) for o in report.objects] == [
        ("Deployment shop/web", "missing", "shop/web"),
        ("ConfigMap shop/old", "extra", "shop/web"),
    ]
    assert report.to_dict()["summary"] == {"drifted": 0, "missing": 1, "extra": 1}
