"""Certificate expiry: files, endpoints, TLS Secrets, cert-manager Certificates, their metrics."""
