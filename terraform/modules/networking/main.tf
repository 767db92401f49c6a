# Load-balancer address pools, ingress class and DNS domain per environment. The pools do not
# overlap, so all three environments can share one L2 segment.

locals {
  defaults = {
    development = { pool = "192.168.1.200-192.168.1.210", subdomain = "dev" }
    staging     = { pool = "192.168.1.220-192.168.1.235", subdomain = "staging" }
    production  = { pool = "192.168.1.240-192.168.1.250", subdomain = "" }
  }

  env          = local.defaults[var.environment]
  pool         = coalesce(var.address_pool, local.env.pool)
  pool_bounds  = split("-", local.pool)
  dns_domain   = local.env.subdomain == "" ? var.base_domain : "${local.env.subdomain}.${var.base_domain}"
  pool_name    = "${var.environment}-pool"
  first_octets = [for part in split(".", local.pool_bounds[0]) : tonumber(part)]
  last_octets  = [for part in split(".", local.pool_bounds[1]) : tonumber(part)]

  settings = {
    environment       = var.environment
    metallb_pool_name = local.pool_name
    metallb_addresses = [local.pool]
    first_address     = local.pool_bounds[0]
    last_address      = local.pool_bounds[1]
    address_count     = local.last_octets[3] - local.first_octets[3] + 1
    ingress_class     = var.ingress_class
    dns_domain        = local.dns_domain
  }
}

resource "terraform_data" "networking" {
  input = local.settings

  lifecycle {
    precondition {
      condition     = slice(local.first_octets, 0, 3) == slice(local.last_octets, 0, 3) && local.last_octets[3] >= local.first_octets[3]
      error_message = "The address pool must be one ascending range inside a single /24."
    }
  }
}
