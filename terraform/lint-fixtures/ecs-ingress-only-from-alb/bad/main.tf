resource "aws_security_group" "alb" {
  name = "alb"
}

resource "aws_lb" "main" {
  name               = "senas"
  load_balancer_type = "application"
  security_groups    = [aws_security_group.alb.id]
}

resource "aws_security_group" "other" {
  name = "other"
}

resource "aws_security_group" "ecs" {
  name = "ecs"

  ingress {
    from_port   = 8000
    to_port     = 8002
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_other" {
  security_group_id            = aws_security_group.ecs.id
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = aws_security_group.other.id
}

resource "aws_security_group_rule" "from_alb" {
  type                     = "ingress"
  security_group_id        = aws_security_group.ecs.id
  from_port                = 8000
  to_port                  = 8002
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.alb.id
}

resource "aws_ecs_service" "content" {
  name = "content-service"

  network_configuration {
    subnets          = ["subnet-1", "subnet-2"]
    security_groups  = [aws_security_group.ecs.id]
    assign_public_ip = false
  }
}
