# The instance resizes the root volume and takes encryption from its launch template.
resource "aws_launch_template" "gpu" {
  name = "gpu"

  block_device_mappings {
    device_name = "/dev/sda1"
    ebs {
      encrypted = true
    }
  }

  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_instance" "trainer" {
  launch_template {
    id = aws_launch_template.gpu.id
  }

  root_block_device {
    volume_size = 200
  }
}
