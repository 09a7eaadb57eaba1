resource "aws_security_group" "alb" {
  name = "alb"

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group" "app" {
  name = "app"

  ingress {
    from_port       = 8000
    to_port         = 8000
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }
}

resource "blueprint_ml_host" "api" {
  name            = "ml-api"
  ssh_cidr_blocks = []
  app_cidr_blocks = ["10.0.0.0/16"]
}
