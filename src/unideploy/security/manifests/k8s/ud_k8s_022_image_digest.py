"""UD-K8S-022 image not pinned by digest (checkov CKV_K8S_43)."""

from __future__ import annotations

from unideploy.security.manifests.helpers import parse_image
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-022",
    severity=Severity.LOW,
    title="Images should be pinned by digest",
    rationale="Only a digest names exactly one image; tags can be re-pushed under the same name.",
    references=("CKV_K8S_43",),
)


@CHECK.containers
def digest(container: Container) -> Finding | None:
    if not parse_image(container.image).digest:
        return CHECK.finding(
            container, f"image {container.image or '(none)'} is not pinned by digest"
        )
    return None
