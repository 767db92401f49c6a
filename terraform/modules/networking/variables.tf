variable "environment" {
  description = "Deployment environment: development, staging or production."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "The environment must be one of: development, staging, production."
  }
}

variable "base_domain" {
  description = "DNS domain of the platform; development and staging get a sub-domain of it."
  type        = string
  default     = "homelab.local"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,63}$", var.base_domain))
    error_message = "The base_domain must be a DNS name such as homelab.local."
  }
}

variable "ingress_class" {
  description = "IngressClass the platform's ingress controller serves."
  type        = string
  default     = "nginx"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", var.ingress_class))
    error_message = "The ingress_class must be a DNS label such as nginx."
  }
}

variable "address_pool" {
  description = "Override the MetalLB address range (FIRST-LAST, IPv4); null keeps the environment default."
  type        = string
  default     = null

  validation {
    condition     = var.address_pool == null || can(regex("^([0-9]{1,3}\\.){3}[0-9]{1,3}-([0-9]{1,3}\\.){3}[0-9]{1,3}$", var.address_pool))
    error_message = "The address_pool must be an IPv4 range such as 192.168.1.200-192.168.1.210."
  }
}
