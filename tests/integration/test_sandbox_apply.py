"""Server-side apply, `kubectl diff` and watch against the sandbox apiserver."""

from __future__ import annotations

import pytest
from kubernetes import client, watch
from tests.integration.sandbox_cluster import Cluster

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {level: "VALUE"}
"""


def configmap(level: str) -> str:
    return CONFIGMAP.replace("VALUE", level)


@pytest.mark.cluster
def test_server_side_apply_records_the_manager_and_reports_conflicts(
    sandbox: Cluster, namespace: str
) -> None:
    ns = ["-n", namespace]
    sandbox.kubectl(
        "apply",
        *ns,
        "--server-side",
        "--field-manager=alice",
        "-f",
        "-",
        input_text=configmap("info"),
    )
    obj = sandbox.get_json("configmap", "settings", "--show-managed-fields", namespace=namespace)
    managers = {entry["manager"] for entry in obj["metadata"]["managedFields"]}
    assert managers == {"alice"}

    clash = sandbox.kubectl(
        "apply",
        *ns,
        "--server-side",
        "--field-manager=bob",
        "-f",
        "-",
        input_text=configmap("debug"),
        check=False,
    )
    assert clash.returncode != 0
    assert "conflict" in clash.stderr.lower()
    assert 'conflict with "alice": .data.level' in clash.stderr
    unchanged = sandbox.get_json("configmap", "settings", namespace=namespace)
    assert unchanged["data"]["level"] == "info"

    sandbox.kubectl(
        "apply",
        *ns,
        "--server-side",
        "--field-manager=bob",
        "--force-conflicts",
        "-f",
        "-",
        input_text=configmap("debug"),
    )
    taken = sandbox.get_json("configmap", "settings", "--show-managed-fields", namespace=namespace)
    assert taken["data"]["level"] == "debug"
    owners = [
        e["manager"]
        for e in taken["metadata"]["managedFields"]
        if "f:level" in e.get("fieldsV1", {}).get("f:data", {})
    ]
    assert owners == ["bob"]


@pytest.mark.cluster
def test_kubectl_diff_is_quiet_when_in_sync_and_shows_a_change(
    sandbox: Cluster, namespace: str
) -> None:
    ns = ["-n", namespace]
    sandbox.kubectl(
        "apply",
        *ns,
        "--server-side",
        "--field-manager=unideploy",
        "-f",
        "-",
        input_text=configmap("info"),
    )
    same = sandbox.kubectl(
        "diff",
        *ns,
        "--server-side",
        "--field-manager=unideploy",
        "-f",
        "-",
        input_text=configmap("info"),
        check=False,
    )
    assert same.returncode == 0, same.stderr
    assert same.stdout == ""
    changed = sandbox.kubectl(
        "diff",
        *ns,
        "--server-side",
        "--field-manager=unideploy",
        "-f",
        "-",
        input_text=configmap("warn"),
        check=False,
    )
    assert changed.returncode == 1, changed.stderr  # 1 means "differences found"
    assert "-  level: info" in changed.stdout
    assert "+  level: warn" in changed.stdout


@pytest.mark.cluster
def test_watch_streams_added_modified_and_deleted_events(sandbox: Cluster, namespace: str) -> None:
    api = client.CoreV1Api(sandbox.api_client())
    start = api.list_namespaced_config_map(namespace).metadata.resource_version
    body = {"metadata": {"name": "watched"}, "data": {"n": "1"}}
    api.create_namespaced_config_map(namespace, body)
    api.patch_namespaced_config_map("watched", namespace, {"data": {"n": "2"}})
    api.delete_namespaced_config_map("watched", namespace)

    seen: list[tuple[str, str | None]] = []
    stream = watch.Watch().stream(
        api.list_namespaced_config_map, namespace, resource_version=start, timeout_seconds=10
    )
    for event in stream:
        obj = event["object"]
        if obj.metadata.name == "watched":
            seen.append((event["type"], (obj.data or {}).get("n")))
        if event["type"] == "DELETED":
            break
    assert seen == [("ADDED", "1"), ("MODIFIED", "2"), ("DELETED", "2")]
