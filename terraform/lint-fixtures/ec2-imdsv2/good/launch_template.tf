# Instances and a group that take their metadata settings from launch templates.
resource "aws_launch_template" "api" {
  name = "api"

  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_instance" "api" {
  instance_type = "t3.small"

  launch_template {
    id      = aws_launch_template.api.id
    version = "$Latest"
  }
}

resource "aws_instance" "api_by_name" {
  launch_template {
    name = "api"
  }
}

resource "aws_autoscaling_group" "api" {
  min_size = 1
  max_size = 3

  launch_template {
    id = aws_launch_template.api.id
  }
}

# A template from outside the configuration: its settings are unknown, so not reported.
variable "shared_template_id" {
  type = string
}

resource "aws_instance" "shared" {
  launch_template {
    id = var.shared_template_id
  }
}
