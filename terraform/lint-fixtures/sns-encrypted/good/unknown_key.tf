# A key id known only from the caller is not reported.
variable "topic_kms_key" {
  type = string
}

resource "aws_sns_topic" "billing" {
  name              = "billing-events"
  kms_master_key_id = var.topic_kms_key
}
