# Resources whose `policy` is a JSON document written inline (`jsonencode`): checked like the
# same statements through `aws_iam_policy_document`.
resource "aws_kms_key" "inline" {
  description = "inline key policy"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/app" }, Action = "*", Resource = "*" }]
  })
}

resource "aws_s3_bucket_policy" "inline" {
  bucket = "media"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/app" }, Action = "s3:*", Resource = "arn:aws:s3:::media/*" }]
  })
}

resource "aws_sqs_queue_policy" "inline" {
  queue_url = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/app" }, Action = "sqs:*", Resource = "arn:aws:sqs:eu-west-1:123456789012:jobs" }]
  })
}

resource "aws_sns_topic_policy" "inline" {
  arn = "arn:aws:sns:eu-west-1:123456789012:events"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/app" }, Action = "sns:*", Resource = "arn:aws:sns:eu-west-1:123456789012:events" }]
  })
}

resource "aws_ecr_repository_policy" "inline" {
  repository = "app"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/ci" }, Action = "ecr:*" }]
  })
}

resource "aws_sqs_queue" "inline" {
  name = "jobs-inline"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/app" }, Action = "sqs:SendMessage", NotResource = "arn:aws:sqs:eu-west-1:123456789012:other" }]
  })
}
