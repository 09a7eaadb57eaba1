resource "aws_sns_topic" "achievements" {
  name = "achievement-notifs"
}
