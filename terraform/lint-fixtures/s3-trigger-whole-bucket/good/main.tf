resource "aws_s3_bucket_notification" "raw" {
  bucket = "ml-raw"

  lambda_function {
    lambda_function_arn = "arn:aws:lambda:us-east-2:123456789012:function:ml-prep"
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "incoming/"
    filter_suffix       = ".csv"
  }
}
