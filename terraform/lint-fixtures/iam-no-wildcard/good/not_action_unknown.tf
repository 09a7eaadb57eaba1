# Modules that pass statements through a variable: a `not_actions` / `not_resources` that is
# null (an `optional()` field left out) or unknown (a variable without a value) is absent, not
# a NotAction that grants everything.
variable "statements" {
  type = list(object({
    actions       = list(string)
    not_actions   = optional(list(string))
    resources     = list(string)
    not_resources = optional(list(string))
  }))
}

variable "extra_not_actions" {
  type = list(string)
}

data "aws_iam_policy_document" "passed_through" {
  dynamic "statement" {
    for_each = var.statements
    content {
      actions       = statement.value.actions
      not_actions   = statement.value.not_actions
      resources     = statement.value.resources
      not_resources = statement.value.not_resources
    }
  }
}

data "aws_iam_policy_document" "nulls" {
  statement {
    actions       = ["s3:GetObject"]
    not_actions   = null
    resources     = ["arn:aws:s3:::media/*"]
    not_resources = null
  }
}

data "aws_iam_policy_document" "unknown_list" {
  statement {
    not_actions = var.extra_not_actions
    resources   = ["arn:aws:s3:::media/*"]
  }
}

resource "aws_iam_policy" "unknown_elements" {
  name = "unknown-elements"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], NotAction = null, Resource = "arn:aws:s3:::media/*" }]
  })
}
