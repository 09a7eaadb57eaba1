resource "aws_sqs_queue" "video" {
  name                    = "video-processing"
  sqs_managed_sse_enabled = false
}
