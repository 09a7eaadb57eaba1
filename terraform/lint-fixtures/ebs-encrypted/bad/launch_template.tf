# The launch template maps no encrypted device: the instance's root volume stays unencrypted.
resource "aws_launch_template" "plain" {
  name = "plain"

  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_instance" "scratch" {
  launch_template {
    id = aws_launch_template.plain.id
  }

  root_block_device {
    volume_size = 100
  }
}
