"""An imported helmfile deploys to the sandbox, and is then diff-clean and a no-op to redeploy.

`unideploy import helmfile` of a plain corpus entry and of a templated one (rendered by the real
helmfile binary): the written stack, pointed at the sandbox, deploys every release; right after,
`diff --detailed-exitcode` exits 0 and `deploy --incremental` creates no Helm revision.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from tests.integration.deploy_support import REPO, UNIDEPLOY, steps, unideploy
from tests.integration.sandbox_cluster import Cluster

from unideploy.engines.helm.sdk import SdkHelm

pytestmark = pytest.mark.cluster

CORPUS = REPO / "tests" / "fixtures" / "helmfile"
CASES = [("dag/helmfile.yaml", "default"), ("gotmpl/helmfile.yaml.gotmpl", "staging")]


def imported(source: Path, out: Path, environment: str, kubeconfig: Path) -> Path:
    """Import `source` into `out` and point its environment at the sandbox."""
    done = subprocess.run(
        [UNIDEPLOY, "import", "helmfile", "-f", str(source), "--out", str(out)]
        + ([] if environment == "default" else ["-e", environment]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 3), done.stdout + done.stderr  # 3: imported with warnings
    document = yaml.safe_load((out / "stack.yaml").read_text())
    document["environments"][environment]["cluster"] = {
        "kubeconfig": str(kubeconfig),
        "context": "unideploy-sandbox",
    }
    (out / "stack.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return out


@pytest.mark.parametrize(("entry", "environment"), CASES, ids=[c[0].split("/")[0] for c in CASES])
def test_an_imported_helmfile_deploys_then_diff_and_incremental_are_clean(
    sandbox: Cluster, tmp_path: Path, entry: str, environment: str
) -> None:
    stack = imported(CORPUS / entry, tmp_path / "imported", environment, sandbox.kubeconfig)
    releases = yaml.safe_load((stack / "stack.yaml").read_text())["releases"]
    done = unideploy(stack, "deploy", "-e", environment, "--skip-tests", "-o", "json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    helm = {sid: s for sid, s in steps(done.stdout).items() if sid.startswith("helm/")}
    assert len(helm) == len(releases), sorted(helm)
    assert {s["status"] for s in helm.values()} == {"changed"}

    diff = unideploy(stack, "diff", "-e", environment, "--detailed-exitcode")
    assert diff.returncode == 0, diff.stdout[-3000:] + diff.stderr[-3000:]

    again = unideploy(stack, "deploy", "-e", environment, "--skip-tests", "--incremental")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    engine = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox")
    revisions = {
        f"{r['namespace']}/{r['name']}": [
            h.revision for h in engine.history(r["name"], r["namespace"])
        ]
        for r in releases
    }
    assert all(found == [1] for found in revisions.values()), json.dumps(revisions)
