output "replica_count" {
  description = "Longhorn defaultReplicaCount for this environment."
  value       = terraform_data.storage.output.replica_count
}

output "default_storage_class" {
  description = "Name of the default StorageClass."
  value       = terraform_data.storage.output.default_storage_class
}

output "reclaim_policy" {
  description = "Reclaim policy of the default StorageClass."
  value       = terraform_data.storage.output.reclaim_policy
}

output "backup_target" {
  description = "Longhorn backup target, or null."
  value       = terraform_data.storage.output.backup_target
}
