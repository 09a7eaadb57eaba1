# The template accepts IMDSv1: reported once, on the template, not again on the instance that
# uses it; an instance's own metadata_options override the template's.
resource "aws_launch_template" "batch" {
  name = "batch"
}

resource "aws_instance" "batch" {
  launch_template {
    id = aws_launch_template.batch.id
  }
}

resource "aws_launch_template" "strict" {
  name = "strict"

  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_instance" "override" {
  launch_template {
    id = aws_launch_template.strict.id
  }

  metadata_options {
    http_tokens = "optional"
  }
}
