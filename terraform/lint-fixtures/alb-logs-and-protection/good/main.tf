resource "aws_lb" "web" {
  name                       = "senas-web"
  load_balancer_type         = "application"
  subnets                    = ["subnet-0123abcd", "subnet-4567abcd"]
  enable_deletion_protection = true

  access_logs {
    bucket  = "senas-alb-logs"
    enabled = true
  }
}

resource "aws_lb" "internal_tcp" {
  name               = "senas-tcp"
  load_balancer_type = "network"
  subnets            = ["subnet-0123abcd", "subnet-4567abcd"]
}
