resource "aws_security_group" "ml" {
  name = "InfraMlSG"

  ingress {
    description = "FastAPI"
    from_port   = 8000
    to_port     = 8000
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "everything" {
  type              = "ingress"
  security_group_id = aws_security_group.ml.id
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "blueprint_ml_host" "api" {
  name            = "ml-api"
  ssh_cidr_blocks = []
  app_cidr_blocks = ["::/0"]
}

# The two halves of IPv4 in two rules of one group are the internet.
resource "aws_security_group" "halves" {
  name = "halves"

  ingress {
    from_port   = 8000
    to_port     = 8000
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/1"]
  }
}

resource "aws_security_group_rule" "other_half" {
  type              = "ingress"
  security_group_id = aws_security_group.halves.id
  from_port         = 8000
  to_port           = 8000
  protocol          = "tcp"
  cidr_blocks       = ["128.0.0.0/1"]
}
