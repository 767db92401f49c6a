output "cluster_issuer" {
  description = "Name of the cert-manager ClusterIssuer certificates in this environment use."
  value       = terraform_data.security.output.cluster_issuer
}

output "issuer_kind" {
  description = "selfsigned or acme."
  value       = terraform_data.security.output.issuer_kind
}

output "acme_server" {
  description = "ACME directory URL of the issuer (null for self-signed)."
  value       = terraform_data.security.output.acme_server
}

output "acme_email" {
  description = "Contact address registered with the ACME CA (null for self-signed)."
  value       = terraform_data.security.output.acme_email
}

output "tls_min_version" {
  description = "Minimum TLS version the security checks require (1.3 in production)."
  value       = terraform_data.security.output.tls_min_version
}

output "pod_security_level" {
  description = "Pod Security Standard enforced on application namespaces."
  value       = terraform_data.security.output.pod_security_level
}
