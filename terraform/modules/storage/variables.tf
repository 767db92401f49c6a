variable "environment" {
  description = "Deployment environment: development, staging or production."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "The environment must be one of: development, staging, production."
  }
}

variable "storage_class" {
  description = "Name of the default StorageClass Longhorn provides."
  type        = string
  default     = "longhorn"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", var.storage_class))
    error_message = "The storage_class must be a DNS label such as longhorn."
  }
}

variable "backup_target" {
  description = "Longhorn backup target (s3://bucket@region/ or nfs://host:/path); null disables backups."
  type        = string
  default     = null

  validation {
    condition     = var.backup_target == null || can(regex("^(s3|nfs)://.+", var.backup_target))
    error_message = "The backup_target must start with s3:// or nfs://."
  }
}
