"""Security validation: manifest checks, environment policy, TLS configuration, certificate expiry.

Static checks read rendered manifests (`scan`), `policy` turns findings into a gate verdict, and
`tls` / `certs` probe live endpoints. Nothing here deploys; the `security` phase and the CLI
call into it.
"""
