variable "public" {
  type = bool
}

resource "aws_ecs_service" "ml" {
  name = "ml-service"

  network_configuration {
    subnets          = ["subnet-private-1"]
    assign_public_ip = false
  }
}

resource "aws_ecs_service" "unknown" {
  name = "unknown"

  network_configuration {
    subnets          = ["subnet-private-1"]
    assign_public_ip = var.public
  }
}
