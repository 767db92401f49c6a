"""UD-K8S-041 credentials written as literal env values (kubescape C-0012).

`env: [{name: DB_PASSWORD, value: hunter2}]` puts the credential in the manifest, the release
history and `kubectl describe`; `valueFrom.secretKeyRef` does not. Flags env vars named like a
credential with a literal `value`, and any literal value that is a PEM private key, a URL with a
password or a high-entropy token. The value is never shown.
"""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.credentials import reason
from unideploy.security.manifests.objects import Container, as_list, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-041",
    severity=Severity.HIGH,
    title="Credentials must come from Secrets, not literal env values",
    rationale=(
        "A literal credential is readable by everyone who can read the workload, and stays in "
        "every release's history."
    ),
    references=("C-0012",),
)


@CHECK.containers
def literal_credentials(container: Container) -> Iterator[Finding]:
    for raw in as_list(container.raw.get("env")):
        env = as_map(raw)
        if "value" not in env or env.get("valueFrom") is not None:
            continue
        name = str(env.get("name", ""))
        why = reason(name, env.get("value"))
        if why:
            yield CHECK.finding(
                container, f"env {name} {why} (value not shown); use valueFrom.secretKeyRef"
            )
