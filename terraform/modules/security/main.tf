# Certificate issuer and TLS policy per environment: self-signed certificates in development,
# Let's Encrypt's staging CA in staging (no rate limits, untrusted), its production CA in
# production.

locals {
  issuers = {
    development = { kind = "selfsigned", name = "selfsigned", acme_server = null }
    staging = {
      kind        = "acme"
      name        = "letsencrypt-staging"
      acme_server = "https://acme-staging-v02.api.letsencrypt.org/directory"
    }
    production = {
      kind        = "acme"
      name        = "letsencrypt-prod"
      acme_server = "https://acme-v02.api.letsencrypt.org/directory"
    }
  }

  issuer = local.issuers[var.environment]

  settings = {
    environment        = var.environment
    cluster_issuer     = local.issuer.name
    issuer_kind        = local.issuer.kind
    acme_server        = local.issuer.acme_server
    acme_email         = local.issuer.kind == "acme" ? var.acme_email : null
    tls_min_version    = var.environment == "production" ? "1.3" : "1.2"
    cert_warn_days     = 30
    cert_critical_days = 7
    pod_security_level = var.environment == "development" ? "baseline" : "restricted"
  }
}

resource "terraform_data" "security" {
  input = local.settings
}
