"""UD-K8S-052 mutable image tags pulled with a policy other than Always (checkov CKV_K8S_15).

A tag is mutable unless the image is pinned by digest or the tag is a full version (`1.4.2`,
`v1.4.2-alpine`): `latest`, no tag, `1.4`, `stable`, `main`. For those the node's cached copy may
differ from the registry's, so the pull policy, as written or as Kubernetes defaults it (Always
for `latest` and no tag, IfNotPresent otherwise), must be Always.
"""

from __future__ import annotations

import re

from unideploy.security.manifests.helpers import parse_image
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

FULL_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([.+_-].*)?$")

CHECK = Check(
    id="UD-K8S-052",
    severity=Severity.LOW,
    title="Mutable image tags should be pulled with imagePullPolicy Always",
    rationale=(
        "With a moving tag and a cached image, nodes run different code under the same name."
    ),
    references=("CKV_K8S_15",),
)


@CHECK.containers
def pull_policy(container: Container) -> Finding | None:
    if not container.image:
        return None
    ref = parse_image(container.image)
    if ref.digest or (ref.tag and FULL_VERSION.match(ref.tag)):
        return None
    written = container.raw.get("imagePullPolicy")
    policy = str(written) if written else ("Always" if ref.tag in (None, "latest") else "")
    if policy == "Always":
        return None
    shown = policy or "IfNotPresent (the default for a tag other than latest)"
    return CHECK.finding(
        container, f"image {container.image} has a mutable tag and imagePullPolicy {shown}"
    )
