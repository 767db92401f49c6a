"""Drift: desired state (from the service layer) against the live cluster and Terraform, and repair.

`detect` builds the report from `compare` over `live` objects; `remediate` repairs on request.
"""
