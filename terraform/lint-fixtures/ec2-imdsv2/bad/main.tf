resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.small"

  root_block_device {
    encrypted = true
  }
}

resource "aws_launch_template" "workers" {
  name = "workers"

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "optional"
  }
}
