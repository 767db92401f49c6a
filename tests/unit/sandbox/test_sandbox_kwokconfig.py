"""Unit tests: the kwok configuration and Stages, including the keep-unready annotation."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from unideploy.sandbox import kwokconfig


def _docs() -> list[dict[str, Any]]:
    return list(YAML(typ="safe").load_all(kwokconfig.render()))


def _stage(name: str) -> dict[str, Any]:
    found = [d for d in _docs() if d["kind"] == "Stage" and d["metadata"]["name"] == name]
    assert len(found) == 1, name
    return found[0]


def _expressions(name: str) -> dict[str, tuple[str, list[str]]]:
    exprs = _stage(name)["spec"]["selector"]["matchExpressions"]
    return {e["key"]: (e["operator"], e.get("values", [])) for e in exprs}


def test_render_is_one_configuration_then_node_and_pod_stages() -> None:
    docs = _docs()
    assert docs[0]["kind"] == "KwokConfiguration"
    assert docs[0]["options"]["manageNodesWithAnnotationSelector"] == "kwok.x-k8s.io/node=fake"
    kinds = {d["spec"]["resourceRef"]["kind"] for d in docs[1:]}
    assert kinds == {"Node", "Pod"}
    names = [d["metadata"]["name"] for d in docs[1:]]
    assert len(names) == len(set(names))
    assert {"node-initialize", "node-heartbeat", "pod-ready", "pod-delete"} <= set(names)


def test_pod_ready_excludes_pods_annotated_unready_and_pod_unready_takes_them() -> None:
    key = f'.metadata.annotations["{kwokconfig.UNREADY_ANNOTATION}"]'
    assert _expressions("pod-ready")[key] == ("NotIn", ["true"])
    assert _expressions("pod-unready")[key] == ("In", ["true"])
    assert _expressions("pod-recover")[key] == ("NotIn", ["true"])


def test_unready_template_runs_the_pod_but_reports_it_not_ready() -> None:
    unready = _stage("pod-unready")["spec"]["next"]["statusTemplate"]
    ready = _stage("pod-ready")["spec"]["next"]["statusTemplate"]
    assert "phase: Running" in unready and "phase: Running" in ready
    assert 'status: "False"\n  type: Ready' in unready
    assert 'status: "True"\n  type: Ready' in ready


def test_templates_have_balanced_actions() -> None:
    for doc in _docs()[1:]:
        template = doc["spec"]["next"].get("statusTemplate", "")
        assert template.count("{{") == template.count("}}"), doc["metadata"]["name"]
        opened = template.count("{{ range") + template.count("{{ with") + template.count("{{ if")
        assert opened == template.count("{{ end }}"), doc["metadata"]["name"]


def test_terminating_pods_are_deleted_and_job_pods_complete() -> None:
    assert _stage("pod-delete")["spec"]["next"] == {"delete": True}
    assert _expressions("pod-complete")[".metadata.ownerReferences.[].kind"] == ("In", ["Job"])


def test_recovering_pods_keep_their_addresses_and_start_time() -> None:
    # A second pod IP would be rejected by the apiserver ("no more than one IP per family").
    recover = _stage("pod-recover")["spec"]["next"]["statusTemplate"]
    assert "PodIPWith" not in recover and "startTime" not in recover
    assert "PodIPWith" in _stage("pod-ready")["spec"]["next"]["statusTemplate"]


def test_each_start_allocates_pod_ips_from_a_fresh_range() -> None:
    first = kwokconfig.configuration(0)["options"]["cidr"]
    second = kwokconfig.configuration(1)["options"]["cidr"]
    assert first == "10.64.0.0/16" and second == "10.65.0.0/16"
    assert kwokconfig.pod_cidr(kwokconfig.POD_CIDR_GENERATIONS) == first  # wraps around
    assert "10.0." not in first  # never inside the service range 10.0.0.0/24
