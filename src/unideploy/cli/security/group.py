"""`unideploy security`: manifest scan, TLS configuration, certificate expiry and the live audit.

Thin: the group and its help; each subcommand lives in its own module and calls
`unideploy.security`. The deploy pipeline calls the same library itself.
"""

from __future__ import annotations

import click

from unideploy.cli.security.audit_cmd import audit_command
from unideploy.cli.security.scan_cmd import checks_command, scan_command
from unideploy.cli.security.tls_cmd import certs_command, tls_command


@click.group("security")
def security_group() -> None:
    """Check manifests, TLS endpoints and certificates; exit 1 when a finding reaches the threshold.

    \b
      unideploy security scan --manifests rendered/ --fail-on medium
      unideploy security tls --endpoint grafana.lab:443 --profile modern
      unideploy security certs --endpoint grafana.lab:443 --file ca.pem
      unideploy security audit --kubeconfig ~/.kube/config -e production
    Exempt an object from a check with the annotations unideploy.io/exempt: "UD-K8S-001,…" and
    unideploy.io/exempt-reason: "why"; exemptions without a reason are ignored.
    """


for _command in (scan_command, checks_command, tls_command, certs_command, audit_command):
    security_group.add_command(_command)
