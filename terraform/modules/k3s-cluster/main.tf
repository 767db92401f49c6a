# Cluster settings per environment. Nothing is provisioned here: the values are recorded in
# state (terraform_data) so that a change shows in the plan, and exported for the Helm phase.

locals {
  sizes = {
    development = { servers = 1, agents = 1, etcd = false }
    staging     = { servers = 1, agents = 2, etcd = false }
    production  = { servers = 3, agents = 3, etcd = true }
  }

  size         = local.sizes[var.environment]
  cluster_name = var.environment == "production" ? var.cluster_name : "${var.cluster_name}-${var.environment}"
  agent_count  = coalesce(var.agent_count, local.size.agents)

  settings = {
    cluster_name  = local.cluster_name
    environment   = var.environment
    k3s_version   = var.k3s_version
    server_count  = local.size.servers
    agent_count   = local.agent_count
    embedded_etcd = local.size.etcd
    api_port      = 6443
    # k3s ships Traefik and ServiceLB; the stack installs ingress-nginx and MetalLB instead.
    disable = ["traefik", "servicelb"]
  }
}

resource "terraform_data" "cluster" {
  input = local.settings
}
