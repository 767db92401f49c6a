variable "environment" {
  description = "Deployment environment: development, staging or production."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "The environment must be one of: development, staging, production."
  }
}

variable "cluster_name" {
  description = "Base name of the cluster; the environment is appended except in production."
  type        = string
  default     = "homelab"

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$", var.cluster_name))
    error_message = "The cluster_name must be a DNS label: lowercase letters, digits and '-', at most 32 characters."
  }
}

variable "k3s_version" {
  description = "k3s release to run, e.g. v1.36.3+k3s1."
  type        = string
  default     = "v1.36.3+k3s1"

  validation {
    condition     = can(regex("^v1\\.[0-9]+\\.[0-9]+\\+k3s[0-9]+$", var.k3s_version))
    error_message = "The k3s_version must look like v1.36.3+k3s1."
  }
}

variable "agent_count" {
  description = "Override the number of agent (worker) nodes; null keeps the environment default."
  type        = number
  default     = null

  validation {
    condition     = var.agent_count == null ? true : (var.agent_count >= 0 && var.agent_count <= 50 && floor(var.agent_count) == var.agent_count)
    error_message = "The agent_count must be a whole number between 0 and 50."
  }
}
