output "metallb_pool_name" {
  description = "Name of the MetalLB IPAddressPool for this environment."
  value       = terraform_data.networking.output.metallb_pool_name
}

output "metallb_addresses" {
  description = "MetalLB IPAddressPool spec.addresses (a list of FIRST-LAST ranges)."
  value       = terraform_data.networking.output.metallb_addresses
}

output "address_count" {
  description = "How many load-balancer addresses the pool holds."
  value       = terraform_data.networking.output.address_count
}

output "ingress_class" {
  description = "IngressClass served by the ingress controller."
  value       = terraform_data.networking.output.ingress_class
}

output "dns_domain" {
  description = "DNS domain of this environment (e.g. dev.homelab.local)."
  value       = terraform_data.networking.output.dns_domain
}
