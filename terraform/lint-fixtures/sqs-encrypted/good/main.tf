# SQS encrypts new queues with SSE-SQS by default.
resource "aws_sqs_queue" "video" {
  name = "video-processing"
}

resource "aws_sqs_queue" "ml" {
  name                    = "ml-inference"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue" "kms" {
  name              = "ml-inference-dlq"
  kms_master_key_id = "alias/aws/sqs"
}
