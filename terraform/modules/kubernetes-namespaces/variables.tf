variable "environment" {
  description = "Deployment environment: development, staging or production."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "The environment must be one of: development, staging, production."
  }
}

variable "kubeconfig_path" {
  description = "Kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "Kubeconfig context to use; null uses the current context."
  type        = string
  default     = null
}

variable "namespaces" {
  description = "Namespaces to create, each with the Pod Security Standard it enforces."
  type        = map(object({ pod_security = string }))
  default = {
    "metallb-system"  = { pod_security = "privileged" }
    "cert-manager"    = { pod_security = "restricted" }
    "ingress-nginx"   = { pod_security = "baseline" }
    "longhorn-system" = { pod_security = "privileged" }
    "monitoring"      = { pod_security = "baseline" }
  }

  validation {
    condition     = alltrue([for ns in values(var.namespaces) : contains(["privileged", "baseline", "restricted"], ns.pod_security)])
    error_message = "Each namespace's pod_security must be privileged, baseline or restricted."
  }
}
