"""UD-K8S-021 image without a tag or tagged :latest (checkov CKV_K8S_14, kubescape C-0075)."""

from __future__ import annotations

from unideploy.security.manifests.helpers import parse_image
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-021",
    severity=Severity.MEDIUM,
    title="Images must name a fixed tag, not :latest or nothing",
    rationale=(
        "A moving tag deploys whatever was pushed last; rollbacks and audits lose their meaning."
    ),
    references=("CKV_K8S_14", "C-0075"),
)


@CHECK.containers
def latest(container: Container) -> Finding | None:
    if not container.image:
        return CHECK.finding(container, "has no image")
    ref = parse_image(container.image)
    if ref.digest:
        return None
    if ref.tag is None:
        return CHECK.finding(container, f"image {container.image} has no tag (means :latest)")
    if ref.tag == "latest":
        return CHECK.finding(container, f"image {container.image} uses the :latest tag")
    return None
