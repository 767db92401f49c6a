"""`unideploy security …`: manifest scan (`scan_cmd`), TLS and certificates (`tls_cmd`), audit."""
