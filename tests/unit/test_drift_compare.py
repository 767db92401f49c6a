"""drift's field comparison: no defaulting noise, values compared the way Kubernetes means them."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import pytest

from unideploy.config.ignore import IgnoreRule, load_rules
from unideploy.drift.compare import MISSING, compare, quantity, same_scalar
from unideploy.drift.model import ObjectDrift
from unideploy.drift.owners import owned_by, owners
from unideploy.errors import ConfigError

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "apps", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "web:1.10",
                        "ports": [{"containerPort": 8080}],
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                    }
                ]
            }
        },
    },
}


def live_copy() -> dict[str, Any]:
    """What the server stores: defaults added, lists in another order, quantities rewritten."""
    live = copy.deepcopy(DEPLOYMENT)
    live["metadata"].update(
        uid="u1", resourceVersion="9", annotations={"meta.helm.sh/release-name": "web"}
    )
    spec = live["spec"]
    spec.update(strategy={"type": "RollingUpdate"}, progressDeadlineSeconds=600)
    container = spec["template"]["spec"]["containers"][0]
    container.update(imagePullPolicy="IfNotPresent", terminationMessagePath="/dev/termination-log")
    container["ports"][0]["protocol"] = "TCP"
    container["env"].reverse()
    container["resources"]["limits"] = {"cpu": "1000m", "memory": "1024Mi"}
    live["status"] = {"replicas": 2}
    return live


def never(path: tuple[str | int, ...]) -> bool:
    return False


def test_defaults_order_and_quantities_are_not_drift() -> None:
    assert compare(DEPLOYMENT, live_copy(), skip=never) == []


def test_changed_fields_name_the_list_item_by_its_merge_key() -> None:
    live = live_copy()
    container = live["spec"]["template"]["spec"]["containers"][0]
    container["image"] = "web:1.1"  # would equal 1.10 if compared as numbers
    container["env"][0]["value"] = "20"  # B, now first in the live list
    found = {(d.shown, d.live, d.desired) for d in compare(DEPLOYMENT, live, skip=never)}
    assert found == {
        ("spec.template.spec.containers[name=web].image", "web:1.1", "web:1.10"),
        ("spec.template.spec.containers[name=web].env[name=B].value", "20", "2"),
    }


def test_keys_and_items_added_by_hand_are_extra() -> None:
    live = live_copy()
    live["metadata"]["labels"]["edited"] = "yes"
    live["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "C", "value": "3"})
    drifts = compare(DEPLOYMENT, live, skip=never)
    assert [(d.pointer, d.extra) for d in drifts] == [
        ("/metadata/labels/edited", True),
        ("/spec/template/spec/containers/0/env/2", True),
    ]


def test_missing_list_item_and_skip() -> None:
    live = live_copy()
    live["spec"]["template"]["spec"]["containers"][0]["env"].pop()  # A
    live["spec"]["replicas"] = 7
    drifts = compare(DEPLOYMENT, live, skip=lambda path: path == ("spec", "replicas"))
    assert [(d.shown, d.live is MISSING, d.desired) for d in drifts] == [
        ("spec.template.spec.containers[name=web].env[name=A]", True, {"name": "A", "value": "1"})
    ]


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [("500m", "0.5", True), ("1Gi", "1073741824", True), ("1k", "1000", True), ("1", "2", False)],
)
def test_quantities_by_value(left: str, right: str, equal: bool) -> None:
    assert same_scalar(left, right, quantities=True) is equal
    assert same_scalar(left, right) is (left == right)
    assert quantity("web") is None


def test_secret_string_data_matches_data_and_is_redacted() -> None:
    desired = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "stringData": {"pw": "hunter2"},
    }
    stored = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}
    stored["data"] = {"pw": base64.b64encode(b"hunter2").decode()}
    assert compare(desired, stored, skip=never) == []
    stored["data"] = {"pw": base64.b64encode(b"changed").decode()}
    drifts = compare(desired, stored, skip=never)
    document = ObjectDrift(
        "ns/r", "Secret ns/s", "drifted", tuple(drifts), desired, stored
    ).to_dict()
    text = str(document)
    assert "hunter2" not in text and base64.b64encode(b"hunter2").decode() not in text
    assert base64.b64encode(b"changed").decode() not in text
    assert document["fields"][0]["path"] == "data.pw"
    assert str(document["fields"][0]["live"]).startswith("(redacted sha256:")


def test_owners_follow_managed_fields() -> None:
    live = live_copy()
    live["metadata"]["managedFields"] = [
        {"manager": "python", "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
        {
            "manager": "kubectl-edit",
            "operation": "Update",
            "fieldsV1": {
                "f:spec": {
                    "f:template": {
                        "f:spec": {"f:containers": {'k:{"name":"web"}': {"f:image": {}}}}
                    }
                }
            },
        },
    ]
    image = ("spec", "template", "spec", "containers", 0, "image")
    assert owners(live, ("spec", "replicas")) == {"python"}
    assert owners(live, image) == {"kubectl-edit"}
    assert owned_by(live, image, {"kubectl-edit"}) and not owned_by(live, image, {"python"})
    assert owners(live, ("spec", "paused")) == set()


def test_ignore_rules_load_select_and_refuse_bad_input(tmp_path: Path) -> None:
    (tmp_path / "ignore-differences.yaml").write_text(
        "- {group: apps, kind: Deployment, name: web, jsonPointers: [/spec/replicas]}\n"
        "- {kind: ConfigMap, managedFieldsManagers: [operator]}\n"
    )
    rules = load_rules(tmp_path)
    assert rules[0] == IgnoreRule("Deployment", "apps", "web", None, ("/spec/replicas",), ())
    assert rules[0].selects(DEPLOYMENT) and not rules[1].selects(DEPLOYMENT)
    assert load_rules(tmp_path / "elsewhere") == ()
    (tmp_path / "bad.yaml").write_text("- {kind: Deployment, jsonPointer: [/spec]}\n")
    with pytest.raises(ConfigError, match="jsonPointer"):
        load_rules(tmp_path, tmp_path / "bad.yaml")
    (tmp_path / "bad.yaml").write_text("- {kind: Deployment, jsonPointers: [spec/replicas]}\n")
    with pytest.raises(ConfigError, match="must start with /"):
        load_rules(tmp_path, tmp_path / "bad.yaml")
