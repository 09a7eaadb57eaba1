resource "aws_ecs_service" "ml" {
  name = "ml-service"

  network_configuration {
    subnets          = ["subnet-public-1"]
    assign_public_ip = true
  }
}
