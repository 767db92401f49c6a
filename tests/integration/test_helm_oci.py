"""Charts from an OCI registry: pushed by Helm to a small local registry, pulled by the engine.

The registry (tests/support/oci_registry.py) speaks just enough of the OCI distribution API (blob
upload, manifests, tags) for `helm push` and `helm pull`; here it listens on 127.0.0.1 over plain
HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import helm_python as hp
import pytest
from tests.support.oci_registry import Server, Store, handler_for

from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.errors import EngineError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def registry() -> Iterator[tuple[str, Store]]:
    store = Store()
    server = Server(("127.0.0.1", 0), handler_for(store))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", store
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_oci_chart_is_pulled_by_version_and_cached_by_digest(
    registry: tuple[str, Store], tmp_path: Path
) -> None:
    host, store = registry
    archive = hp.package(ROOT / "helm/charts/cert-issuers", destination=tmp_path)
    hp.push(archive, f"oci://{host}/charts", plain_http=True)
    cache = ChartCache(tmp_path / "cache")
    spec = ReleaseSpec(
        "cert-issuers",
        "cert-manager",
        f"oci://{host}/charts/cert-issuers",
        version="0.1.0",
        plain_http=True,
    )

    rendered = SdkHelm(cache=cache).render(spec)
    pulls = [r for r in store.requests if r.startswith("GET /v2/charts/cert-issuers/blobs/")]
    again = cache.resolve(spec)

    assert rendered.kinds() == ["ServiceAccount/cert-issuers", "ConfigMap/cert-issuer"]
    assert rendered.chart_digest == hp.digest(archive)
    assert cache.blob(rendered.chart_digest).is_file()
    assert again.cached and again.digest == rendered.chart_digest
    assert pulls and len(
        [r for r in store.requests if r.startswith("GET /v2/charts/cert-issuers/blobs/")]
    ) == len(pulls), "the second resolve must not download again"


def test_missing_oci_tag_is_an_engine_error_naming_the_release(
    registry: tuple[str, Store], tmp_path: Path
) -> None:
    host, _store = registry
    spec = ReleaseSpec(
        "ghost", "apps", f"oci://{host}/charts/ghost", version="1.2.3", plain_http=True
    )
    with pytest.raises(EngineError, match=r'helm pull of release "ghost"') as caught:
        SdkHelm(cache=ChartCache(tmp_path / "cache")).render(spec)
    assert caught.value.hint and "pinned version" in caught.value.hint
