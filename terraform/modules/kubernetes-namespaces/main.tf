# Platform namespaces with Pod Security Standard labels, created through the Kubernetes API.
# Needs the hashicorp/kubernetes provider: a registry or a provider mirror (see README.md).

provider "kubernetes" {
  config_path    = pathexpand(var.kubeconfig_path)
  config_context = var.kube_context
}

resource "kubernetes_namespace_v1" "this" {
  for_each = var.namespaces

  metadata {
    name = each.key
    labels = {
      "app.kubernetes.io/managed-by"       = "unideploy"
      "unideploy.dev/environment"          = var.environment
      "pod-security.kubernetes.io/enforce" = each.value.pod_security
      "pod-security.kubernetes.io/warn"    = "restricted"
    }
  }
}
