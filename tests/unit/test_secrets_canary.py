"""A canary secret in a sops-encrypted values file never leaves in clear (offline commands).

The real CLI runs as a user runs it; every byte it writes (stdout, stderr, the debug log, rendered
files) is searched for the canary and its base64 form. The only allowed place is a Secret the
chart renders in memory — and no offline command writes that out unsealed.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.support.sops_tools import AgeKey, age_key, sops_encrypt, tool
from tests.unit.test_sealed_secrets import keypair  # noqa: F401 - fixture

from unideploy.engines.process import run
from unideploy.exitcodes import ExitCode
from unideploy.gitops.sealed import label, unseal

REPO = Path(__file__).resolve().parents[2]
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")
CANARY = "canary-7f3a9c-do-not-leak"
STACK = """\
apiVersion: unideploy.io/v1
name: canary
tiers: [apps]
environments:
  development:
    values: [secrets.enc.yaml]
    cluster: {kubeconfig: kubeconfig, context: none}
releases:
  - name: app
    namespace: canary
    chart: {path: CHART}
    tier: apps
"""


@pytest.fixture
def stack(tmp_path: Path) -> tuple[Path, AgeKey]:
    root = tmp_path / "stack"
    root.mkdir()
    key = age_key(tmp_path)
    chart = REPO / "tests" / "fixtures" / "charts" / "secret-app"
    (root / "stack.yaml").write_text(STACK.replace("CHART", str(chart)))
    clear = tmp_path / "clear.yaml"
    clear.write_text(f"app:\n  db:\n    password: {CANARY}\n  greeting: hi\n")
    sops_encrypt(clear, root / "secrets.enc.yaml", key)
    clear.unlink()
    return root, key


def _run(
    root: Path, key: AgeKey, log: Path, *args: str, debug: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SOPS_AGE_KEY_FILE": str(key.path),
        "UNIDEPLOY_LOG_FILE": str(log),
        "UNIDEPLOY_SOPS": "builtin",
    }
    return subprocess.run(
        [UNIDEPLOY, *(["--debug"] if debug else []), "--stack", str(root), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def _leaks(text: str) -> bool:
    encoded = base64.b64encode(CANARY.encode()).decode()
    return CANARY in text or encoded in text


def test_offline_commands_never_write_the_canary(
    stack: tuple[Path, AgeKey],
    tmp_path: Path,
    keypair: tuple[object, Path],  # noqa: F811
) -> None:
    root, key = stack
    log = tmp_path / "debug.log"
    private, cert = keypair
    assert isinstance(private, rsa.RSAPrivateKey)
    runs = {
        "validate": _run(root, key, log, "validate", "-e", "development"),
        "plan": _run(root, key, log, "plan", "-e", "development"),
        "flux": _run(
            root,
            key,
            log,
            "gitops",
            "render",
            "-e",
            "development",
            "--flavor",
            "flux",
            "--out",
            str(root / "out-flux"),
            "--repo-url",
            "https://git.example.test/r.git",
            "--path-in-repo",
            "out-flux",
        ),
        "manifests": _run(
            root,
            key,
            log,
            "gitops",
            "render",
            "-e",
            "development",
            "--flavor",
            "manifests",
            "--out",
            str(root / "out-manifests"),
            "--seal-cert",
            str(cert),
        ),
        "argocd": _run(
            root,
            key,
            log,
            "gitops",
            "render",
            "-e",
            "development",
            "--flavor",
            "argocd",
            "--out",
            str(root / "out-argocd"),
            "--repo-url",
            "https://git.example.test/r.git",
            "--path-in-repo",
            "out-argocd",
            "--seal-cert",
            str(cert),
        ),
    }
    for name, done in runs.items():
        assert done.returncode == 0, f"{name}: {done.stderr}"
        assert not _leaks(done.stdout + done.stderr), name
    assert log.stat().st_size > 0
    assert not _leaks(log.read_text())
    written = [p for p in root.rglob("*") if p.is_file()]
    assert any("sops.yaml" in p.name for p in written)
    assert any("sealedsecret" in p.name for p in written)
    for path in written:
        assert not _leaks(path.read_text(errors="replace")), path
    # What the controllers receive opens to the canary: Flux's Secret with the real sops, the
    # SealedSecret with the controller's private key and the strict label.
    flux_secret = next((root / "out-flux").rglob("*-values.sops.yaml"))
    opened = run(
        [tool("sops"), "decrypt", "--output-type", "json", str(flux_secret)],
        env=key.env(),
        timeout=60,
        check=True,
    )
    assert CANARY in json.loads(opened.stdout)["stringData"]["values.yaml"]
    tiers = yaml.safe_load((root / "out-flux/flux/clusters/canary/tiers.yaml").read_text())
    assert tiers["spec"]["decryption"] == {"provider": "sops", "secretRef": {"name": "sops-age"}}
    sealed = yaml.safe_load(next((root / "out-manifests").rglob("sealedsecret-*.yaml")).read_text())
    blob = sealed["spec"]["encryptedData"]["password"]
    assert unseal(blob, private, label("canary", "app-db")).decode() == CANARY
    # Without --seal-cert, Argo CD and manifests renderings refuse instead of writing clear values.
    refused = _run(
        root,
        key,
        log,
        "gitops",
        "render",
        "-e",
        "development",
        "--flavor",
        "manifests",
        "--out",
        str(root / "out-refused"),
    )
    assert refused.returncode == ExitCode.CONFIG_ERROR
    assert "--seal-cert" in refused.stderr
    assert not (root / "out-refused").exists() or not any((root / "out-refused").rglob("*.yaml"))


def test_a_changed_file_or_no_key_stops_before_anything(
    stack: tuple[Path, AgeKey], tmp_path: Path
) -> None:
    root, key = stack
    log = tmp_path / "debug.log"
    enc = root / "secrets.enc.yaml"
    nokey = AgeKey(tmp_path / "missing.txt", key.recipient)
    done = _run(root, nokey, log, "validate", "-e", "development", debug=False)
    assert done.returncode == ExitCode.CONFIG_ERROR
    assert "secrets.enc.yaml" in done.stderr and "SOPS_AGE_KEY_FILE" in done.stderr
    assert "Traceback" not in done.stderr
    text = enc.read_text()
    enc.write_text(
        text.replace("    greeting: ENC[", "    greeting_unencrypted: x\n    greeting: ENC[", 1)
    )
    done = _run(root, key, log, "plan", "-e", "development", debug=False)
    assert done.returncode == ExitCode.CONFIG_ERROR
    assert "MAC mismatch" in done.stderr
    assert "Traceback" not in done.stderr
