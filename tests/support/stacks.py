"""The mini stack that config tests copy and break one way at a time."""

from __future__ import annotations

MINI_STACK = """\
apiVersion: unideploy.io/v1
name: mini
tiers: [infrastructure, applications]
environments:
  development:
    values: [env/development.yaml]
  production:
    values: [env/production.yaml]
    approval: required
    promoteFrom: development
terraform:
  modules:
    - name: networking
      path: tf/networking
releases:
  - name: ingress
    namespace: edge
    chart: {path: charts/app}
    tier: infrastructure
    values: [values/ingress.yaml]
  - name: api
    namespace: apps
    chart: {path: charts/app}
    tier: applications
    needs: [edge/ingress]
  - name: web
    namespace: apps
    chart: {path: charts/app}
    tier: applications
    needs: [api]
    values:
      - {title: "web in ${env.name}"}
"""

ENV_VALUES = """\
global:
  domain: {domain}
  replicas:
    min: {replicas}
web:
  replicas: {replicas}
"""
