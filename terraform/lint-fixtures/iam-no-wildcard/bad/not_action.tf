# NotAction in an Allow grants every action but the ones listed; NotResource grants the actions
# on every resource but the ones listed.
resource "aws_iam_policy" "almost_admin" {
  name = "almost-admin"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", NotAction = ["iam:*", "organizations:*"], Resource = "*" }]
  })
}

data "aws_iam_policy_document" "all_but_secrets" {
  statement {
    actions       = ["s3:GetObject"]
    not_resources = ["arn:aws:s3:::secrets/*"]
  }
}
