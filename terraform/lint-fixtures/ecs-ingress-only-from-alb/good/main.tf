resource "aws_security_group" "alb" {
  name = "alb"

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_lb" "main" {
  name            = "senas"
  security_groups = [aws_security_group.alb.id]
}

resource "aws_security_group" "ecs" {
  name = "ecs"

  ingress {
    from_port       = 8000
    to_port         = 8002
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  security_group_id            = aws_security_group.ecs.id
  ip_protocol                  = "tcp"
  from_port                    = 8001
  to_port                      = 8001
  referenced_security_group_id = aws_security_group.alb.id
}

variable "extra_sg" {
  type = string
}

resource "aws_ecs_service" "content" {
  name = "content-service"

  network_configuration {
    subnets         = ["subnet-1"]
    security_groups = [aws_security_group.ecs.id, var.extra_sg]
  }
}
