resource "aws_s3_bucket" "state" {
  bucket = "aplicacion-senas-terraform-state"
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Not a state bucket.
resource "aws_s3_bucket" "assets" {
  bucket = "content-assets"
}
