# Moving from the table to lock files: both locks while older Terraform still uses this backend.
terraform {
  required_version = ">= 1.5"

  backend "s3" {
    bucket         = "aplicacion-senas-terraform-state"
    key            = "qa/terraform.tfstate"
    region         = "us-east-2"
    encrypt        = true
    dynamodb_table = "aplicacion-senas-terraform-locks"
    use_lockfile   = true
  }
}
