output "namespaces" {
  description = "Names of the namespaces this module manages."
  value       = sort([for ns in kubernetes_namespace_v1.this : ns.metadata[0].name])
}
