terraform {
  backend "s3" {
    bucket = "aplicacion-senas-terraform-state"
    key    = "prod/terraform.tfstate"
    region = "us-east-2"
  }
}
