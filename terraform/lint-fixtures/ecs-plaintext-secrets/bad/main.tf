resource "aws_ecs_task_definition" "content" {
  family                   = "content-service"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512

  container_definitions = jsonencode([
    {
      name  = "content"
      image = "123456789012.dkr.ecr.us-east-2.amazonaws.com/content-service:latest"
      environment = [
        { name = "DB_HOST", value = "content-db.cluster-xyz.us-east-2.rds.amazonaws.com" },
        { name = "DB_PASSWORD", value = "changeme123" },
        { name = "JWT_SECRET", value = "s3cr3t" },
      ]
    }
  ])
}
