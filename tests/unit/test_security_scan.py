"""The manifest scanner: directories, multi-document files, malformed input, exemptions, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unideploy.security.manifests.registry import check_by_id
from unideploy.security.manifests.scan import scan

PRIVILEGED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: shop
{annotations}spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
"""


def pod(name: str, annotations: dict[str, str] | None = None) -> str:
    block = ""
    if annotations:
        block = "  annotations:\n" + "".join(f'    {k}: "{v}"\n' for k, v in annotations.items())
    return PRIVILEGED_POD.format(name=name, annotations=block)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "nested").mkdir()
    (tmp_path / "one.yaml").write_text(pod("first"))
    (tmp_path / "nested" / "two.yml").write_text("---\n" + pod("second") + "---\n" + pod("third"))
    (tmp_path / "notes.txt").write_text("not a manifest, not scanned from a directory")
    return tmp_path


def test_directories_are_walked_and_multi_document_files_split(tree: Path) -> None:
    result = scan([tree], checks=[check_by_id("UD-K8S-001")])
    assert result.files == 2
    assert result.objects == 3
    assert sorted(f.object.name for f in result.findings) == ["first", "second", "third"]
    third = next(f for f in result.findings if f.object.name == "third")
    assert third.line == pod("second").count("\n") + 3  # after two '---' lines
    assert third.container == "app"


def test_malformed_files_are_reported_one_by_one_and_never_stop_the_scan(tmp_path: Path) -> None:
    (tmp_path / "a-not-yaml.yaml").write_text("key: [unclosed\n  - : :\n")
    (tmp_path / "b-not-object.yaml").write_text("- just\n- a list\n")
    (tmp_path / "c-no-kind.yaml").write_text("apiVersion: v1\nmetadata: {name: x}\n")
    (tmp_path / "d-typo.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n"
    )
    (tmp_path / "e-huge.yaml").write_text("# padding\n" * 20_000)
    (tmp_path / "f-binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "g-good.yaml").write_text(pod("good"))
    (tmp_path / "h-crd.yaml").write_text(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web}\n"
    )
    result = scan([tmp_path], checks=[check_by_id("UD-K8S-001")], max_bytes=100_000)
    by_file = {Path(e.path).name: e.message for e in result.errors}
    assert set(by_file) == {
        "a-not-yaml.yaml",
        "b-not-object.yaml",
        "c-no-kind.yaml",
        "d-typo.yaml",
        "e-huge.yaml",
        "f-binary.yaml",
    }
    assert by_file["a-not-yaml.yaml"].startswith("not valid YAML")
    assert "document is a list" in by_file["b-not-object.yaml"]
    assert "kind missing" in by_file["c-no-kind.yaml"]
    assert "did you mean Deployment?" in by_file["d-typo.yaml"]
    assert "over the 0.1 MiB limit" in by_file["e-huge.yaml"]
    assert "not UTF-8" in by_file["f-binary.yaml"]
    assert [f.object.name for f in result.findings] == ["good"]
    assert [(Path(p).name, r.kind) for p, r in result.skipped] == [("h-crd.yaml", "Certificate")]


def test_a_broken_document_does_not_hide_its_neighbours(tmp_path: Path) -> None:
    text = pod("before") + "---\nkind: [oops\n---\n" + pod("after")
    (tmp_path / "mixed.yaml").write_text(text)
    result = scan([tmp_path / "mixed.yaml"], checks=[check_by_id("UD-K8S-001")])
    assert [f.object.name for f in result.findings] == ["before", "after"]
    assert len(result.errors) == 1
    assert result.errors[0].line == pod("before").count("\n") + 2


def test_missing_path_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = scan([tmp_path / "nope"])
    assert [e.message for e in result.errors] == ["no such file or directory"]


def test_list_kind_is_expanded(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: inner, namespace: x}\n"
        "    spec: {hostPID: true, containers: [{name: c, image: 'a:1'}]}\n"
    )
    result = scan([tmp_path], checks=[check_by_id("UD-K8S-006")])
    assert [f.object.name for f in result.findings] == ["inner"]


def test_exemption_with_reason_is_honoured_and_reported(tmp_path: Path) -> None:
    notes = {
        "unideploy.io/exempt": "UD-K8S-001, UD-K8S-004",
        "unideploy.io/exempt-reason": "node agent needs the host",
    }
    (tmp_path / "p.yaml").write_text(pod("agent", notes))
    result = scan([tmp_path], checks=[check_by_id("UD-K8S-001"), check_by_id("UD-K8S-002")])
    exempted = [f for f in result.findings if f.exempted]
    assert [(f.check_id, f.exemption_reason) for f in exempted] == [
        ("UD-K8S-001", "node agent needs the host")
    ]
    active = [f.check_id for f in result.findings if not f.exempted]
    assert active == ["UD-K8S-002"]
    summary = result.to_json()["summary"]
    assert summary["exempted"] == 1
    assert summary["findings"] == 1


def test_exemption_without_reason_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(pod("agent", {"unideploy.io/exempt": "UD-K8S-001"}))
    result = scan([tmp_path], checks=[check_by_id("UD-K8S-001")])
    (finding,) = result.findings
    assert not finding.exempted
    assert "exemption ignored" in finding.message
    assert "unideploy.io/exempt-reason" in finding.message


def test_json_finding_shape(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(pod("web"))
    result = scan([tmp_path], checks=[check_by_id("UD-K8S-001")])
    doc = json.loads(json.dumps(result.to_json()))
    (finding,) = doc["findings"]
    assert finding["check_id"] == "UD-K8S-001"
    assert finding["severity"] == "high"
    assert finding["object"] == {"kind": "Pod", "namespace": "shop", "name": "web"}
    assert finding["container"] == "app"
    assert finding["references"] == ["CKV_K8S_16", "C-0057"]
    assert "privileged" in finding["message"]


def test_configmap_credential_values_are_never_echoed(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s, namespace: x}\n"
        "data: {DB_PASSWORD: s3cr3t-value}\n"
    )
    result = scan([tmp_path])
    assert any(f.check_id == "UD-K8S-040" for f in result.findings)
    assert "s3cr3t-value" not in json.dumps(result.to_json())


def test_duplicate_keys_are_refused_not_silently_merged(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n"
        "  containers:\n    - name: c\n      image: a:1\n"
        "      securityContext: {privileged: true}\n"
        "      securityContext: {privileged: false}\n"
    )
    result = scan([tmp_path], checks=[check_by_id("UD-K8S-001")])
    (error,) = result.errors
    assert "duplicate key 'securityContext'" in error.message
    assert error.line == 9
    assert result.findings == ()


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ({}, {"app": "web"}, True),
        ({"matchLabels": {"app": "web"}}, {"app": "web", "tier": "fe"}, True),
        ({"matchLabels": {"app": "api"}}, {"app": "web"}, False),
        (
            {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
            {"app": "web"},
            True,
        ),
        (
            {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]},
            {"app": "web"},
            False,
        ),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {"app": "web"}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"app": "web"}, True),
    ],
)
def test_network_policy_selector_matching(
    selector: dict[str, object], labels: dict[str, str], expected: bool
) -> None:
    from unideploy.security.manifests.k8s.ud_k8s_023_network_policy import selects

    assert selects(selector, labels) is expected
