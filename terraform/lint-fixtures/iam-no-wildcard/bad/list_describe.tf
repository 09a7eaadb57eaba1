# List and Describe calls that take resource ARNs (AWS's Service Authorization Reference):
# `*` is more than the workload needs.
data "aws_iam_policy_document" "reader" {
  statement {
    actions   = ["s3:ListBucket", "kms:DescribeKey", "dynamodb:DescribeTable"]
    resources = ["*"]
  }
}
