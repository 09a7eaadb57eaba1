resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.small"

  root_block_device {
    encrypted = true
  }

  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_launch_template" "workers" {
  name = "workers"

  metadata_options {
    http_endpoint = "disabled"
  }
}

variable "tokens" {
  type = string
}

resource "aws_instance" "unknown" {
  ami           = "ami-123"
  instance_type = "t3.small"

  root_block_device {
    encrypted = true
  }

  metadata_options {
    http_tokens = var.tokens
  }
}
