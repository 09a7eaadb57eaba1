# An empty key id is no key: AWS creates the topic unencrypted.
variable "topic_kms_key" {
  type    = string
  default = ""
}

resource "aws_sns_topic" "alerts" {
  name              = "system-alerts"
  kms_master_key_id = var.topic_kms_key
}
