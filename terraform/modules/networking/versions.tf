terraform {
  # terraform_data is built into Terraform core (1.4+): this module needs no provider and runs
  # offline.
  required_version = ">= 1.5.0"
}
