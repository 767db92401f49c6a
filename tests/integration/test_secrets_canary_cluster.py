"""A canary secret in a sops-encrypted values file never leaves in clear (sandbox commands).

The cluster half of tests/unit/test_secrets_canary.py: the real CLI deploys a chart whose Secret
takes its password from a values file encrypted by the real `sops` (decrypted by the real `sops`
too), then diffs, drifts, deploys again, reports the last run in every format and writes metrics,
all with `--debug`. Every byte written — stdout, stderr, the debug log, the whole state directory
(history DB, audit log), report files, the metrics textfile and the run mirror ConfigMaps in the
cluster — is searched for the canary and its base64 form, and for the value the Secret was edited
to by hand (the field conflict and the diff see it live). The one place the canary must be is the
Secret the chart renders, which proves the value reached Helm.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.integration.sandbox_cluster import Cluster
from tests.support.pushgateway import get
from tests.support.sops_tools import AgeKey, age_key, sops_encrypt, tool
from tests.unit.test_notify import Hook, hook  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[2]
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")
CANARY = "canary-5e81d2-do-not-leak"
BY_HAND = "changed-by-hand-0000"
FORMATS = ("console", "json", "junit", "markdown", "html")
STACK = """\
apiVersion: unideploy.io/v1
name: canary
tiers: [apps]
environments:
  development:
    values: [secrets.enc.yaml]
    cluster: {kubeconfig: KUBECONFIG, context: unideploy-sandbox}
releases:
  - name: app
    namespace: NAMESPACE
    chart: {path: CHART}
    tier: apps
    timeout: 30
"""


def _forms() -> tuple[bytes, ...]:
    # The hand-edited value is a Secret's value too: conflicts must not quote the live one either.
    values = (CANARY.encode(), BY_HAND.encode())
    return (*values, *(base64.b64encode(value) for value in values))


def _hits(data: bytes) -> list[bytes]:
    return [form for form in _forms() if form in data]


def _stack(tmp_path: Path, sandbox: Cluster, namespace: str) -> tuple[Path, AgeKey]:
    root = tmp_path / "stack"
    root.mkdir()
    key = age_key(tmp_path)
    chart = REPO / "tests" / "fixtures" / "charts" / "secret-app"
    text = STACK.replace("CHART", str(chart)).replace("NAMESPACE", namespace)
    (root / "stack.yaml").write_text(text.replace("KUBECONFIG", str(sandbox.kubeconfig)))
    clear = tmp_path / "clear.yaml"
    clear.write_text(f"app:\n  db:\n    password: {CANARY}\n  greeting: hi\n")
    sops_encrypt(clear, root / "secrets.enc.yaml", key)
    clear.unlink()
    assert not _hits((root / "secrets.enc.yaml").read_bytes())
    return root, key


def _password(sandbox: Cluster, namespace: str) -> str:
    secret = sandbox.get_json("secret", "app-db", namespace=namespace)
    return base64.b64decode(secret["data"]["password"]).decode()


def test_sandbox_commands_never_write_the_canary(
    sandbox: Cluster,
    namespace: str,
    tmp_path: Path,
    pushgateway: str,
    hook: Hook,  # noqa: F811
) -> None:
    root, key = _stack(tmp_path, sandbox, namespace)
    log = tmp_path / "debug.log"
    env = {
        **os.environ,
        "SOPS_AGE_KEY_FILE": str(key.path),
        "UNIDEPLOY_LOG_FILE": str(log),
        "UNIDEPLOY_SOPS": "sops",
        "UNIDEPLOY_SOPS_BIN": tool("sops"),
    }
    outputs: dict[str, subprocess.CompletedProcess[bytes]] = {}

    def cli(name: str, *args: str, codes: tuple[int, ...] = (0,)) -> None:
        done = subprocess.run(
            [UNIDEPLOY, "--debug", "--stack", str(root), *args],
            capture_output=True,
            timeout=300,
            env=env,
            check=False,
        )
        outputs[name] = done
        assert done.returncode in codes, f"{name}: {done.returncode} {done.stderr.decode()[-3000:]}"

    metrics = tmp_path / "metrics" / "unideploy.prom"
    metrics.parent.mkdir()
    cli("deploy", "deploy", "-e", "development", "--metrics-textfile", str(metrics))
    # The value reached Helm: the Secret in the cluster holds it, as the chart intends.
    assert _password(sandbox, namespace) == CANARY
    # Someone edits the Secret by hand: diff and drift now both hold the canary as desired value.
    patch = json.dumps({"stringData": {"password": BY_HAND}})
    sandbox.kubectl("patch", "secret", "app-db", "-n", namespace, "-p", patch)
    cli("diff", "diff", "-e", "development", "--detailed-exitcode", codes=(3,))
    cli("diff-json", "diff", "-e", "development", "-o", "json", codes=(0, 3))
    cli("drift", "drift", "-e", "development", "--detailed-exitcode", codes=(3,))
    cli("drift-json", "drift", "-e", "development", "-o", "json", codes=(0, 3))
    assert b"app-db" in outputs["drift"].stdout + outputs["drift"].stderr
    # The hand edit now owns the field: the deploy stops on the conflict (exit 4, its message
    # quoting the chart's value), then takes the field back.
    cli("conflict", "deploy", "-e", "development", "--notify-webhook", hook.url, codes=(4,))
    assert hook.bodies, "the failed deploy was not announced"
    assert b"app-db" in outputs["conflict"].stdout + outputs["conflict"].stderr
    assert _password(sandbox, namespace) == BY_HAND
    cli(
        "redeploy",
        "deploy",
        "-e",
        "development",
        "--force-conflicts",
        "--metrics-textfile",
        str(metrics),
        "--pushgateway",
        pushgateway,
        "--notify-webhook",
        hook.url,
    )
    assert hook.bodies, "the notify webhook was not called"
    pushed = get(f"{pushgateway}/metrics")
    assert "unideploy" in pushed
    assert _password(sandbox, namespace) == CANARY
    reports = tmp_path / "reports"
    for fmt in FORMATS:
        cli(f"report-{fmt}", "report", "last", "-e", "development", "--format", fmt)
        assert outputs[f"report-{fmt}"].stdout.strip(), fmt
    cli(
        "report-all",
        "report",
        "last",
        "-e",
        "development",
        "-f",
        "all",
        "--output-file",
        str(reports),
    )

    leaks: list[str] = []
    for name, done in outputs.items():
        for stream, data in (("stdout", done.stdout), ("stderr", done.stderr)):
            if _hits(data):
                leaks.append(f"{name} {stream}")
    written = [log, metrics, *sorted(p for p in reports.rglob("*") if p.is_file())]
    written += sorted(p for p in root.rglob("*") if p.is_file())
    names = {p.name for p in written}
    assert {"history.db", "audit.jsonl"} <= names, names
    assert len([p for p in reports.rglob("*") if p.is_file()]) >= len(FORMATS) - 1
    assert metrics.stat().st_size > 0 and log.stat().st_size > 0
    for path in written:
        if _hits(path.read_bytes()):
            leaks.append(str(path))
    # What left the process over HTTP: the notify webhook's bodies and the Pushgateway's metrics.
    if _hits(json.dumps(hook.bodies).encode()):
        leaks.append("notify webhook body")
    if _hits(pushed.encode()):
        leaks.append("pushgateway metrics")
    mirror = sandbox.kubectl(
        "get", "configmaps", "-n", "unideploy-system", "-l", "unideploy.io/run", "-o", "yaml"
    ).stdout
    assert mirror.count("run.json") >= 2, "the runs were not mirrored"
    if _hits(mirror.encode()):
        leaks.append("run mirror ConfigMaps in unideploy-system")
    ours = sandbox.kubectl("get", "configmaps", "-n", namespace, "-o", "yaml").stdout
    if _hits(ours.encode()):
        leaks.append(f"ConfigMaps in {namespace}")
    assert not leaks, f"a Secret value was written to: {leaks}"
