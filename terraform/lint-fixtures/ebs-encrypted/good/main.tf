resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-2a"
  size              = 50
  encrypted         = true
}

resource "aws_instance" "file_server" {
  ami           = "ami-123"
  instance_type = "t3.small"

  root_block_device {
    volume_size = 50
    encrypted   = true
  }

  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_launch_template" "workers" {
  name = "workers"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 20
      encrypted   = "true"
    }
  }

  metadata_options {
    http_tokens = "required"
  }
}
