resource "aws_sns_topic" "achievements" {
  name              = "achievement-notifs"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_kms_key" "sns" {}

resource "aws_sns_topic" "alerts" {
  name              = "system-alerts"
  kms_master_key_id = aws_kms_key.sns.arn
}
