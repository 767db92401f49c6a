output "cluster_name" {
  description = "Name of the cluster in this environment."
  value       = terraform_data.cluster.output.cluster_name
}

output "k3s_version" {
  description = "k3s release the cluster runs."
  value       = terraform_data.cluster.output.k3s_version
}

output "server_count" {
  description = "Number of k3s server (control-plane) nodes."
  value       = terraform_data.cluster.output.server_count
}

output "agent_count" {
  description = "Number of k3s agent (worker) nodes."
  value       = terraform_data.cluster.output.agent_count
}

output "settings" {
  description = "All cluster settings as one object."
  value       = terraform_data.cluster.output
}
