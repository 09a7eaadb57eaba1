terraform {
  required_version = ">= 1.10"

  backend "s3" {
    bucket       = "aplicacion-senas-terraform-state"
    key          = "dev/terraform.tfstate"
    region       = "us-east-2"
    encrypt      = true
    use_lockfile = true
  }
}
