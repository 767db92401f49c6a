"""The files a sandbox start writes before any component runs: kubeconfigs, kwok, egress, audit.

Used by `core.Sandbox.up` once the certificates exist: one kubeconfig per component (the
inside-namespace apiserver address) and the admin one users get (the host's bridged port),
kwok's configuration for this start's generation (its pod CIDR), the apiserver's egress
selector and, with the audit log on, its policy.
"""

from __future__ import annotations

import json

from unideploy.sandbox import audit, components, kubeconfig, kwokconfig, pkifiles


def next_generation(layout: components.Layout) -> int:
    """Count starts of this state dir (kept across `down`), for kwok's pod CIDR."""
    path = layout.root / "generation"
    try:
        current = int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        current = -1
    path.write_text(f"{current + 1}\n", encoding="utf-8")
    return current + 1


def write_configs(
    layout: components.Layout, certs: pkifiles.Pki, server: str, *, audit_log: bool
) -> None:
    """Write every configuration file a start needs (admin kubeconfig pointing at `server`)."""
    layout.kwok_config.write_text(kwokconfig.render(next_generation(layout)), encoding="utf-8")
    if audit_log:
        layout.audit_policy.write_text(audit.policy_text(), encoding="utf-8")
    layout.egress_config.write_text(
        json.dumps(components.egress_selector_config(), indent=2) + "\n", encoding="utf-8"
    )
    inner = f"https://127.0.0.1:{components.INNER_PORTS.apiserver}"  # inside the namespace
    for who in pkifiles.CLIENTS:
        doc = kubeconfig.build(
            inner, certs.ca_cert, certs.client_cert(who), certs.client_key(who), who
        )
        kubeconfig.write(layout.component_kubeconfig(who), doc)
    admin = kubeconfig.build(
        server,
        certs.ca_cert,
        certs.client_cert("admin"),
        certs.client_key("admin"),
        "unideploy-sandbox-admin",
    )
    kubeconfig.write(layout.kubeconfig, admin)
