# Scoped actions and resources; `*` only where the action cannot be scoped; Deny may use `*`.
resource "aws_iam_role_policy" "ecr" {
  name = "ecr"
  role = "ec2-role"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["ecr:GetAuthorizationToken"], Resource = "*" },
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = "${aws_s3_bucket.media.arn}/*" },
      { Effect = "Deny", Action = "*", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "false" } } },
    ]
  })
}

resource "aws_s3_bucket" "media" {
  bucket = "media"
}

variable "extra_actions" {
  type = list(string)
}

# Unknown actions never produce a finding by themselves.
resource "aws_iam_policy" "unknown" {
  name = "unknown"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.extra_actions, Resource = aws_s3_bucket.media.arn }]
  })
}

data "aws_iam_policy_document" "scoped" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.media.arn}/uploads/*"]
  }
  statement {
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"]
  }
}

resource "blueprint_secure_service" "api" {
  name = "api"
  task_role_policy_statements = [
    { actions = ["dynamodb:GetItem"], resources = ["arn:aws:dynamodb:us-east-2:123456789012:table/UserData"] },
  ]
}
