# A native file next to JSON ones: both are one module.
resource "aws_sqs_queue" "native" {
  name                    = "${local.name}-queue"
  sqs_managed_sse_enabled = false
}
