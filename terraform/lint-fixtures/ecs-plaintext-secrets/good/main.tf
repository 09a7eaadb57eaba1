resource "aws_secretsmanager_secret" "db" {
  name = "content-db"
}

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
        { name = "TOKEN_TTL_SECONDS", value = "" },
      ]
      secrets = [
        { name = "DB_PASSWORD", valueFrom = aws_secretsmanager_secret.db.arn },
      ]
    }
  ])
}

resource "blueprint_secure_service" "users" {
  name = "users"
  container {
    image = "123456789012.dkr.ecr.us-east-2.amazonaws.com/senas-users:1.0.0"
    port  = 3001
    environment = {
      LOG_LEVEL = "info"
    }
    secrets = {
      API_TOKEN = "arn:aws:secretsmanager:us-east-2:123456789012:secret:users-api-token"
    }
  }
}

# The secret is fetched at boot with the instance role: only its name is in the user data.
resource "aws_instance" "worker" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    encrypted = true
  }
  user_data = <<-EOT
    #!/bin/bash
    export STRIPE_API_KEY="$(aws secretsmanager get-secret-value --secret-id stripe --query SecretString --output text)"
    docker run --detach --env STRIPE_API_KEY --env LOG_LEVEL=info worker:latest
  EOT
}

# Where the secret is, not the secret: a name ending in _ARN or _PARAMETER; a URL without a
# password; a random-looking value under a name that is not a secret's.
resource "aws_lambda_function" "prep" {
  function_name = "ml-prep"
  role          = "arn:aws:iam::123456789012:role/ml-prep"
  runtime       = "python3.12"
  handler       = "main.handler"
  filename      = "prep.zip"

  environment {
    variables = {
      DB_PASSWORD_PARAMETER = "/ml/db/password"
      API_TOKEN_ARN         = "arn:aws:secretsmanager:us-east-2:123456789012:secret:ml-api-AbCdEf"
      DATABASE_URL          = "postgres://app@db.internal:5432/app"
      BUILD_ID              = "q8Zr2LmP0xVb7TnY4kWs9HcD"
    }
  }
}
