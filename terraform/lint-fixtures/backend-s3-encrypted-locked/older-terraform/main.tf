# Not under bad/ (one root there, for the plan fixtures): linted by the rule's unit test. Terraform 1.5 - 1.9
# refuses `use_lockfile`: with only a lock file, the state is not locked there.
terraform {
  required_version = ">= 1.5"

  backend "s3" {
    bucket       = "aplicacion-senas-terraform-state"
    key          = "staging/terraform.tfstate"
    region       = "us-east-2"
    encrypt      = true
    use_lockfile = true
  }
}
