resource "aws_lb" "web" {
  name               = "senas-web"
  load_balancer_type = "application"
  subnets            = ["subnet-0123abcd", "subnet-4567abcd"]
}

resource "aws_lb" "api" {
  name                       = "senas-api"
  subnets                    = ["subnet-0123abcd", "subnet-4567abcd"]
  enable_deletion_protection = true

  access_logs {
    bucket  = "senas-alb-logs"
    enabled = false
  }
}
