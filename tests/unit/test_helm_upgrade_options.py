"""What an upgrade hands Helm: no second history read when the caller knows, no OpenAPI probe
where the API server validates fields itself (every apply is sent with fieldValidation=Strict)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unideploy.engines.helm import sdk
from unideploy.engines.helm.actions import _opts
from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.engines.kube.access import ServerVersion
from unideploy.errors import EngineError
from unideploy.execute.phases.context import PipelineContext

CHART = Path(__file__).resolve().parents[2] / "helm" / "charts" / "web-app"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {"history_reads": 0}

    def upgrade(cfg: Any, chart: Any, name: str, values: Any, **kw: Any) -> dict[str, Any]:
        seen.update(upgrade=kw["upgrade"], options=kw["options"])
        return {"name": name, "namespace": "apps", "revision": 2, "status": "deployed"}

    def installed(self: SdkHelm, name: str, namespace: str) -> bool:
        seen["history_reads"] += 1
        return True

    monkeypatch.setattr(sdk, "install_or_upgrade", upgrade)
    monkeypatch.setattr(SdkHelm, "_config", lambda self, namespace: object())
    monkeypatch.setattr(SdkHelm, "_installed", installed)
    return seen


def spec(**fields: Any) -> ReleaseSpec:
    return ReleaseSpec(
        name="web", namespace="apps", chart=str(CHART), atomic=False, wait=False, **fields
    )


def test_a_caller_that_read_the_history_spares_the_engine_another_read(
    calls: dict[str, Any], tmp_path: Path
) -> None:
    helm = SdkHelm(cache=ChartCache(tmp_path))
    assert helm.upgrade(spec(installed=False)).revision == 2
    assert calls["history_reads"] == 0 and calls["upgrade"] is False
    helm.upgrade(spec(installed=True))
    assert calls["history_reads"] == 0 and calls["upgrade"] is True
    helm.upgrade(spec())  # not told: the engine looks
    assert calls["history_reads"] == 1 and calls["upgrade"] is True


def test_the_openapi_probe_is_skipped_only_where_the_server_validates(
    calls: dict[str, Any], tmp_path: Path
) -> None:
    helm = SdkHelm(cache=ChartCache(tmp_path))
    helm.upgrade(spec(installed=True, server_validates_fields=True))
    assert calls["options"]["disable_openapi_validation"] is True
    helm.upgrade(spec(installed=True))
    assert calls["options"]["disable_openapi_validation"] is False
    assert "disable_openapi_validation" not in (_opts(**calls["options"]) or "")


@pytest.mark.parametrize(
    ("answer", "validates"),
    [
        (ServerVersion("v1.26.9", 1, 26), False),
        (ServerVersion("v1.27.0", 1, 27), True),
        (ServerVersion("v1.36.3+k3s1", 1, 36), True),
        (EngineError("cannot reach the Kubernetes API"), False),
    ],
)
def test_the_server_is_asked_once_per_run(
    monkeypatch: pytest.MonkeyPatch, answer: ServerVersion | EngineError, validates: bool
) -> None:
    asked: list[Any] = []

    def server_version(api: Any) -> ServerVersion:
        asked.append(api)
        if isinstance(answer, EngineError):
            raise answer
        return answer

    monkeypatch.setattr("unideploy.engines.kube.access.server_version", server_version)
    ctx = PipelineContext(stack=None, plan=None, env_values=None, cluster=None, make_kube=object)  # type: ignore[arg-type]
    assert ctx.server_validates_fields() is validates
    assert ctx.server_validates_fields() is validates
    assert len(asked) == 1
