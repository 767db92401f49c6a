"""Static manifest security: the check registry, one check per file (`k8s/`), PSS, policy, gate."""
