terraform {
  backend "s3" {
    bucket         = "senas-state"
    key            = "terraform.tfstate"
    region         = "us-east-2"
    encrypt        = true
    dynamodb_table = "senas-locks"
  }
}

resource "aws_s3_bucket" "state" {
  bucket = "senas-state"
}

resource "aws_s3_bucket" "other_state" {
  bucket = "aplicacion-senas-terraform-state"
}

resource "aws_s3_bucket_versioning" "other_state" {
  bucket = aws_s3_bucket.other_state.id
  versioning_configuration {
    status = "Suspended"
  }
}
