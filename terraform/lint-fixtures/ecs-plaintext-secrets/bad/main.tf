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

# The composites take the environment as a map: a secret there is just as readable.
resource "blueprint_secure_service" "users" {
  name = "users"
  container {
    image = "123456789012.dkr.ecr.us-east-2.amazonaws.com/senas-users:1.0.0"
    port  = 3001
    environment = {
      LOG_LEVEL   = "info"
      API_TOKEN   = "tok_live_123"
    }
  }
}

resource "blueprint_ml_host" "api" {
  name  = "ml-api"
  image = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
  environment = {
    MODEL_NAME     = "santiago-v1"
    HF_ACCESS_KEY  = "hf_abc"
  }
}

# A boot script that passes a secret as a literal is readable by anyone who can describe the
# instance's user data (what blueprint_ml_host's `environment` becomes).
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
    export DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)"
    docker run --detach \
      --env QUEUE_URL=https://sqs.us-east-2.amazonaws.com/123456789012/jobs \
      --env 'STRIPE_API_KEY=sk_live_abc' \
      --env DB_PASSWORD \
      worker:latest
  EOT
}

# Secrets found by value, under harmless names.
resource "aws_ecs_task_definition" "by_value" {
  family = "by-value"
  container_definitions = jsonencode([
    {
      name  = "app"
      image = "123456789012.dkr.ecr.us-east-2.amazonaws.com/app:1"
      environment = [
        { name = "GH", value = "ghp_0123456789abcdefghijABCDEFGHIJ012345" },
        { name = "UPSTREAM", value = "AKIAIOSFODNN7EXAMPLE" },
        { name = "DATABASE_URL", value = "postgres://app:hunter2@db.internal:5432/app" },
      ]
    }
  ])
}

resource "aws_lambda_function" "prep" {
  function_name = "ml-prep"
  role          = "arn:aws:iam::123456789012:role/ml-prep"
  runtime       = "python3.12"
  handler       = "main.handler"
  filename      = "prep.zip"

  environment {
    variables = {
      NOTIFY      = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX"
      STRIPE_KEY  = "q8Zr2LmP0xVb7TnY4kWs9HcD"
      DB_PASSWORD = "changeme123"
    }
  }
}

resource "blueprint_data_pipeline" "ml" {
  name = "ml-data"
  bucket {
    suffix = "raw"
  }
  stage {
    name     = "prep"
    runtime  = "python3.12"
    handler  = "main.handler"
    filename = "prep.zip"
    environment = {
      CONFIG = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    }
  }
}
