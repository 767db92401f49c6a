"""Unit tests: the sandbox audit log's policy, its apiserver flags, and reading events back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from unideploy.sandbox import audit, components
from unideploy.sandbox.state import SandboxState
from unideploy.sandbox.status import SandboxStatus

USER = "system:serviceaccount:apps:deployer"


def _event(verb: str, code: int, **ref: str) -> dict[str, Any]:
    return {
        "stage": "ResponseComplete",
        "verb": verb,
        "user": {"username": USER},
        "objectRef": ref,
        "responseStatus": {"code": code},
        "annotations": {
            "authorization.k8s.io/decision": "allow",
            "authorization.k8s.io/reason": "",
        },
    }


def test_the_policy_records_every_request_at_metadata_once_when_complete() -> None:
    policy = yaml.safe_load(audit.policy_text())
    assert policy["kind"] == "Policy"
    assert policy["rules"] == [{"level": "Metadata"}]  # no body; no request left out
    assert set(policy["omitStages"]) == {"RequestReceived", "ResponseStarted", "Panic"}


def test_flags_name_the_log_and_policy_under_the_state_dir_and_bound_the_file() -> None:
    layout = components.Layout(Path("/state"))
    flags = dict(f[2:].split("=", 1) for f in audit.flags(layout.audit_log, layout.audit_policy))
    assert flags["audit-log-path"] == "/state/audit.log"
    assert flags["audit-policy-file"] == "/state/audit-policy.yaml"
    assert flags["audit-log-format"] == "json"
    assert int(flags["audit-log-maxsize"]) > 0 and int(flags["audit-log-maxbackup"]) > 0


def test_requests_of_one_user_read_from_the_log_and_its_backups(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    older = tmp_path / "audit-2026-01-01T00-00-00.000.log"
    older.write_text(json.dumps(_event("get", 200, resource="secrets", namespace="apps")) + "\n")
    lines = [
        _event("patch", 201, resource="deployments", apiGroup="apps", namespace="apps", name="w"),
        _event("update", 200, resource="deployments", subresource="scale", apiGroup="apps"),
        {**_event("get", 200), "objectRef": None},  # a non-resource URL: left out
        {**_event("list", 200, resource="pods"), "user": {"username": "someone-else"}},
    ]
    log.write_text("\n".join(json.dumps(e) for e in lines) + "\n{torn")
    found = audit.requests(log, USER)
    assert [(r.verb, r.group, r.resource, r.namespace, r.name) for r in found] == [
        ("get", "", "secrets", "apps", None),
        ("patch", "apps", "deployments", "apps", "w"),
        ("update", "apps", "deployments/scale", None, None),
    ]
    assert [r.created for r in found] == [False, True, False]
    assert found[0].decision == "allow"


def test_status_names_the_log_only_when_it_is_on(tmp_path: Path) -> None:
    record = SandboxState(state_dir=str(tmp_path), audit_log=str(tmp_path / "audit.log"))
    assert SandboxState.from_json(record.to_json()).audit_log == str(tmp_path / "audit.log")
    assert SandboxState.from_json(SandboxState(state_dir="x").to_json()).audit_log == ""
    shown = SandboxStatus(state_dir="x", kubeconfig="k", audit_log="/x/audit.log").to_dict()
    assert shown["audit_log"] == "/x/audit.log"
    assert SandboxStatus(state_dir="x", kubeconfig="k").to_dict()["audit_log"] is None
