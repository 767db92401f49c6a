"""The reference stack's one encrypted values file, its committed test key, the release it feeds.

The key is committed on purpose and marked as a test key; the file is one the real sops wrote for
it; the Makefile, the script wrapper and the tests hand it over through SOPS_AGE_KEY_FILE, and
without it unideploy stops with the fix. The postgres release gets the password in its Secret, as
a file.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyrage
import pytest
import yaml
from tests.support.sops_tools import REFERENCE_TEST_KEY, AgeKey, sops_decrypt_json
from tests.unit.test_helm_reference_charts import helm, of_kind, render  # noqa: F401 - fixture

from unideploy.config.encrypted import read_values_file
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.errors import EngineError
from unideploy.exitcodes import ExitCode
from unideploy.redact.values import SecretStr
from unideploy.service.secrets import creation_rule

REPO = Path(__file__).resolve().parents[2]
ENCRYPTED = REPO / "environments" / "development" / "secrets.enc.yaml"
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")


def _recipient() -> str:
    line = next(
        ln for ln in REFERENCE_TEST_KEY.read_text().splitlines() if ln.startswith("AGE-SECRET-KEY")
    )
    return str(pyrage.x25519.Identity.from_str(line).to_public())


def _clear_password() -> str:
    clear = json.loads(sops_decrypt_json(ENCRYPTED, AgeKey(REFERENCE_TEST_KEY, _recipient())))
    return str(clear["postgres"]["auth"]["password"])


def _env_without_keys(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPS_AGE_KEY")}
    return {**env, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}


def test_the_committed_key_says_it_is_a_test_key_and_the_file_is_encrypted_for_it() -> None:
    assert "TEST-KEY-ONLY" in REFERENCE_TEST_KEY.name
    assert REFERENCE_TEST_KEY.read_text().startswith("# TEST KEY ONLY")
    document = yaml.safe_load(ENCRYPTED.read_text())
    assert [entry["recipient"] for entry in document["sops"]["age"]] == [_recipient()]
    rule = creation_rule(ENCRYPTED, REPO / ".sops.yaml")
    assert rule.recipients == (_recipient(),)
    assert _clear_password() not in ENCRYPTED.read_text()


def test_we_read_the_file_as_sops_decrypts_it_with_the_leaf_typed_as_a_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(REFERENCE_TEST_KEY))
    monkeypatch.setenv("UNIDEPLOY_SOPS", "builtin")
    data, _ = read_values_file(ENCRYPTED)
    password = data["postgres"]["auth"]["password"]
    assert isinstance(password, SecretStr)
    assert password == _clear_password(), "builtin and sops differ"


def test_without_a_key_validate_stops_naming_the_file_and_the_variable(tmp_path: Path) -> None:
    done = subprocess.run(
        [UNIDEPLOY, "--stack", str(REPO), "validate", "-e", "development"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**_env_without_keys(tmp_path), "UNIDEPLOY_LOG_FILE": str(tmp_path / "debug.log")},
    )
    assert done.returncode == ExitCode.CONFIG_ERROR, done.stderr
    assert "secrets.enc.yaml" in done.stderr and "SOPS_AGE_KEY_FILE" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["bash", "scripts/lib/unideploy.sh", "validate", "-e", "development"],
        ["make", "-s", "--eval", "key-file: ; @echo $$SOPS_AGE_KEY_FILE", "key-file"],
    ],
    ids=["script-wrapper", "makefile"],
)
def test_the_wrapper_and_the_makefile_hand_over_the_test_key(
    argv: list[str], tmp_path: Path
) -> None:
    done = subprocess.run(
        argv, cwd=REPO, capture_output=True, text=True, timeout=300, env=_env_without_keys(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    if argv[0] == "make":
        assert Path(done.stdout.strip()) == REFERENCE_TEST_KEY
    assert _clear_password() not in done.stdout + done.stderr


def _admin_volume(rendered: Any) -> dict[str, Any]:
    (statefulset,) = of_kind(rendered, "StatefulSet")
    pod = statefulset["spec"]["template"]["spec"]
    for container in pod["containers"]:
        for env in container.get("env", []):
            assert "secretKeyRef" not in env.get("valueFrom", {}), "a secret in an env var"
    (volume,) = [v for v in pod["volumes"] if "secret" in v]
    return dict(volume["secret"])


def test_development_gets_the_decrypted_password_in_its_secret_mounted_as_a_file(
    helm: SdkHelm,  # noqa: F811 - fixture
) -> None:
    rendered = render(helm, "postgres", "development")
    (secret,) = of_kind(rendered, "Secret")
    assert base64.b64decode(secret["data"]["password"]).decode() == _clear_password(), "differs"
    assert _admin_volume(rendered)["secretName"] == secret["metadata"]["name"]


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_staging_and_production_read_their_own_secret(
    helm: SdkHelm,  # noqa: F811 - fixture
    environment: str,
) -> None:
    rendered = render(helm, "postgres", environment)
    assert of_kind(rendered, "Secret") == []
    assert _admin_volume(rendered)["secretName"] == "postgres-admin"


def test_no_password_and_no_secret_is_refused_with_the_fix(
    helm: SdkHelm,  # noqa: F811 - fixture
) -> None:
    spec = ReleaseSpec("postgres", "databases", str(REPO / "helm" / "charts" / "database"))
    with pytest.raises(EngineError, match=r"auth\.existingSecret") as caught:
        helm.render(spec)
    assert "docs/secrets.md" in str(caught.value)


def test_the_webhooks_guard_the_settings_the_chart_writes_after_install(
    helm: SdkHelm,  # noqa: F811 - fixture
) -> None:
    rendered = render(helm, "postgres", "development")
    services = {s["metadata"]["name"]: s for s in of_kind(rendered, "Service")}
    assert services["postgres"]["spec"]["type"] == "LoadBalancer"
    (statefulset,) = of_kind(rendered, "StatefulSet")
    assert [t["metadata"]["name"] for t in statefulset["spec"]["volumeClaimTemplates"]] == ["data"]
    (settings,) = [h for h in rendered.hooks if h["kind"] == "ConfigMap"]
    assert "post-install" in settings["metadata"]["annotations"]["helm.sh/hook"]
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        (configuration,) = of_kind(rendered, kind)
        (webhook,) = configuration["webhooks"]
        assert webhook["clientConfig"]["service"]["name"] in services
        selector = webhook["objectSelector"]["matchLabels"]
        assert selector.items() <= settings["metadata"]["labels"].items()
