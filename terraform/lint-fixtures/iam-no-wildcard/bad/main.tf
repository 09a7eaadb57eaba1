# Wildcards in every place a policy can be written.
resource "aws_iam_policy" "admin" {
  name = "admin"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:*", "sqs:SendMessage"]
      Resource = "*"
    }]
  })
}

locals {
  actions = ["dynamodb:GetItem", "dynamodb:PutItem"]
}

resource "aws_iam_role_policy" "task" {
  name = "task"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = local.actions
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role" "task" {
  name               = "task"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  inline_policy {
    name   = "everything"
    policy = <<-JSON
      {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
      }
    JSON
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.jobs.arn]
  }
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "blueprint_secure_service" "api" {
  name = "api"
  task_role_policy_statements = [
    { actions = ["dynamodb:*"], resources = ["arn:aws:dynamodb:us-east-2:123456789012:table/UserData"] },
  ]
}
