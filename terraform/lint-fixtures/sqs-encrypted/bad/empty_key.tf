# SSE switched off: an empty key attribute does not turn it back on.
resource "aws_sqs_queue" "ml" {
  name                    = "ml-inference"
  sqs_managed_sse_enabled = false
  kms_master_key_id       = ""
}
