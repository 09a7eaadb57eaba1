# Policies kept in files, scoped: a template filled with a bucket's ARN, a plain JSON file
# found through path.root, and a file that may not exist.
resource "aws_iam_role_policy" "media" {
  name   = "media"
  role   = "app"
  policy = templatefile("${path.module}/policies/read_media.json.tftpl", { bucket_arn = aws_s3_bucket.media.arn })
}

resource "aws_iam_policy" "metrics" {
  name   = "metrics"
  policy = file("${path.root}/policies/metrics.json")
}

resource "aws_iam_policy" "optional" {
  name = "optional"
  policy = fileexists("${path.module}/policies/extra.json") ? file("${path.module}/policies/extra.json") : jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["sts:GetCallerIdentity"], Resource = "*" }]
  })
}
