variable "name" {}

resource "aws_sns_topic" "t" {
  name = "${var.name}-topic"
}
