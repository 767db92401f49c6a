variable "environment" {
  description = "Deployment environment: development, staging or production."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "The environment must be one of: development, staging, production."
  }
}

variable "acme_email" {
  description = "Contact address registered with Let's Encrypt (staging and production)."
  type        = string
  default     = "admin@homelab.local"

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.acme_email))
    error_message = "The acme_email must be an e-mail address."
  }
}
