# Inline resource policies with scoped statements; in a key policy `Resource = "*"` is the key.
resource "aws_kms_key" "inline" {
  description = "inline key policy"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/app" }, Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = "*" }]
  })
}

resource "aws_s3_bucket_policy" "inline" {
  bucket = "media"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/app" }, Action = "s3:GetObject", Resource = "arn:aws:s3:::media/*" },
      { Effect = "Deny", Principal = "*", Action = "s3:*", Resource = ["arn:aws:s3:::media", "arn:aws:s3:::media/*"], Condition = { Bool = { "aws:SecureTransport" = "false" } } },
    ]
  })
}
