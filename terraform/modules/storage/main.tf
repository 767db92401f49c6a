# Longhorn settings per environment: one replica in development, two in staging, three in
# production; production keeps volumes after their claims are deleted.

locals {
  replicas = {
    development = 1
    staging     = 2
    production  = 3
  }

  settings = {
    environment           = var.environment
    replica_count         = local.replicas[var.environment]
    default_storage_class = var.storage_class
    reclaim_policy        = var.environment == "production" ? "Retain" : "Delete"
    backup_target         = var.backup_target
  }
}

resource "terraform_data" "storage" {
  input = local.settings
}
