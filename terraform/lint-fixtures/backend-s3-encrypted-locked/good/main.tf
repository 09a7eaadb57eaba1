terraform {
  required_version = ">= 1.5"

  backend "s3" {
    bucket         = "aplicacion-senas-terraform-state"
    key            = "prod/terraform.tfstate"
    region         = "us-east-2"
    encrypt        = true
    dynamodb_table = "aplicacion-senas-terraform-locks"
  }
}
