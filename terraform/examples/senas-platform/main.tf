# Seed 001 ("Aplicación Señas") on Blueprint alone: the state bucket with its lock, the network
# (public, private and database subnets over 2 zones in dev, 3 in prod, NAT, flow logs in prod),
# the ECS cluster, the internet-facing ALB (HTTPS with TLS 1.2+, HTTP only redirects), three
# Fargate services routed by path (/content, /users, /ml) and reachable only from the ALB, and
# Aurora PostgreSQL Serverless v2 reachable only from those services, its master password
# managed by RDS in Secrets Manager and handed to the services as a secret reference; and the
# application's data layer (DynamoDB tables, S3 buckets, SQS queues with dead-letter queues, SNS
# topics), from which each service's task role is derived by what it uses (the seed's flows).
#
# Nothing has to exist beforehand. The sizing table's dev and prod columns are the composites'
# `profile`; `environment = "prod"` switches all of them.
#
#   terraform init && terraform apply                        # real AWS: set certificate_arn
#   scripts/demo.sh terraform/examples/senas-platform    # against a local endpoint (moto)
#   blueprint-lint --profile prod --var environment=prod terraform/examples/senas-platform

terraform {
  required_providers {
    blueprint = {
      source  = "blueprint-iac/blueprint"
      version = "0.1.0"
    }
  }
}

variable "aws_endpoint" {
  description = "Endpoint of an AWS-compatible service (null: real AWS)."
  type        = string
  default     = null
}

variable "environment" {
  description = "dev or prod: seed 001's sizing table column."
  type        = string
  default     = "dev"
}

variable "region" {
  description = "Region of the platform."
  type        = string
  default     = "us-east-1"
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (null: a self-signed one for `domain_name`, for demos)."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "Domain of the application (the self-signed certificate's name when certificate_arn is null)."
  type        = string
  default     = "senas.example.com"
}

variable "image_registry" {
  description = "ECR registry of the three images."
  type        = string
  default     = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
}

variable "image_tag" {
  description = "Release of the three images."
  type        = string
  default     = "1.0.0"
}

provider "blueprint" {
  region = var.region

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      acm                    = endpoints.value
      applicationautoscaling = endpoints.value
      dynamodb               = endpoints.value
      ec2                    = endpoints.value
      ecs                    = endpoints.value
      elbv2                  = endpoints.value
      iam                    = endpoints.value
      logs                   = endpoints.value
      rds                    = endpoints.value
      s3                     = endpoints.value
      sns                    = endpoints.value
      sqs                    = endpoints.value
      sts                    = endpoints.value
    }
  }
  s3_use_path_style = var.aws_endpoint != null

  default_tags {
    tags = {
      project     = "senas"
      environment = var.environment
    }
  }
}

locals {
  name = "senas-${var.environment}"
  prod = var.environment == "prod"

  # The three services of the seed's drawing: port, path, size and replicas per environment.
  services = {
    content = { port = 8000, path = "/content", priority = 10, cpu = 512, memory = 1024, count = local.prod ? 2 : 1 }
    users   = { port = 8001, path = "/users", priority = 20, cpu = 512, memory = 1024, count = local.prod ? 2 : 1 }
    ml      = { port = 8002, path = "/ml", priority = 30, cpu = 1024, memory = 2048, count = 1 }
  }
}

# "TERRAFORM STATE MANAGEMENT": versioned, encrypted, private, locked.
resource "blueprint_state_backend" "state" {
  bucket                             = "${local.name}-tfstate"
  state_key                          = "senas/${var.environment}/terraform.tfstate"
  noncurrent_version_expiration_days = 90
  point_in_time_recovery             = local.prod
  force_destroy                      = !local.prod
}

resource "blueprint_network" "net" {
  name    = local.name
  profile = var.environment
}

resource "blueprint_cluster" "ecs" {
  name    = local.name
  profile = var.environment
}

resource "blueprint_load_balancer" "alb" {
  name              = local.name
  profile           = var.environment
  vpc_id            = blueprint_network.net.vpc_id
  public_subnet_ids = blueprint_network.net.public_subnet_ids
  certificate_arn   = var.certificate_arn
  domain_name       = var.certificate_arn == null ? var.domain_name : null
}

resource "blueprint_database" "db" {
  name          = "${local.name}-aurora"
  profile       = var.environment
  vpc_id        = blueprint_network.net.vpc_id
  subnet_ids    = blueprint_network.net.database_subnet_ids
  database_name = "senas"
  # Only the services reach 5432: they carry the database's client security group.
  allowed_security_group_ids = []
}

# The data layer of the seed's drawing: PITR and lifecycle per the sizing table's profile.
resource "blueprint_data_stores" "data" {
  name          = local.name
  profile       = var.environment
  force_destroy = !local.prod

  table {
    key = "UserData"
  }
  table {
    key = "UserProgress"
  }
  table {
    key       = "AiSessions"
    range_key = "started_at"
  }

  bucket {
    key = "content-assets"
  }
  bucket {
    key = "user-uploads"
  }
  bucket {
    key = "ml-models"
  }
  bucket {
    key = "video-processing"
  }

  queue {
    key                        = "video-processing"
    visibility_timeout_seconds = 300
  }
  queue {
    key = "ml-inference"
  }

  topic {
    key = "achievement-notifs"
  }
  topic {
    key = "level-completion"
  }
  topic {
    key = "system-alerts"
  }
}

locals {
  # The seed's flows, as what each service uses; its task role is derived from them.
  #   content-service -> Aurora -> S3 media; content-service -> S3 user-uploads -> SQS video-processing
  #   user-service -> DynamoDB UserProgress -> SNS achievement
  #   ml-service -> SQS ml-inference -> DynamoDB AiSessions; SQS video-processing -> ml-service -> S3 processed
  uses = {
    content = [
      { store = "bucket/content-assets", access = "read", prefix = null },
      { store = "bucket/user-uploads", access = "write", prefix = "uploads/" },
      { store = "queue/video-processing", access = "send", prefix = null },
    ]
    users = [
      { store = "table/UserData", access = "read_write", prefix = null },
      { store = "table/UserProgress", access = "read_write", prefix = null },
      { store = "topic/achievement-notifs", access = "publish", prefix = null },
      { store = "topic/level-completion", access = "publish", prefix = null },
    ]
    ml = [
      { store = "queue/ml-inference", access = "consume", prefix = null },
      { store = "table/AiSessions", access = "read_write", prefix = null },
      { store = "queue/video-processing", access = "consume", prefix = null },
      { store = "bucket/user-uploads", access = "read", prefix = "uploads/" },
      { store = "bucket/ml-models", access = "read", prefix = null },
      { store = "bucket/video-processing", access = "write", prefix = "processed/" },
      { store = "topic/system-alerts", access = "publish", prefix = null },
    ]
  }
}

resource "blueprint_secure_service" "svc" {
  for_each = local.services

  name                  = each.key
  cluster               = blueprint_cluster.ecs.name
  vpc_id                = blueprint_network.net.vpc_id
  subnet_ids            = blueprint_network.net.private_subnet_ids
  listener_arn          = blueprint_load_balancer.alb.https_listener_arn
  alb_security_group_id = blueprint_load_balancer.alb.security_group_id
  path_patterns         = [each.value.path, "${each.value.path}/*"]
  priority              = each.value.priority
  desired_count         = each.value.count

  additional_security_group_ids = [blueprint_database.db.client_security_group_id]

  data_stores = blueprint_data_stores.data.arns
  dynamic "uses" {
    for_each = local.uses[each.key]
    content {
      store  = uses.value.store
      access = uses.value.access
      prefix = uses.value.prefix
    }
  }

  container {
    image  = "${var.image_registry}/senas-${each.key}:${var.image_tag}"
    port   = each.value.port
    cpu    = each.value.cpu
    memory = each.value.memory
    environment = {
      SERVICE = each.key
      DB_HOST = blueprint_database.db.endpoint
      DB_PORT = tostring(blueprint_database.db.port)
    }
    secrets = {
      DB_CREDENTIALS = blueprint_database.db.master_user_secret_arn
    }
  }
}

output "alb_dns_name" {
  description = "Point the application's domain here."
  value       = blueprint_load_balancer.alb.dns_name
}

output "database_endpoint" {
  description = "Aurora writer endpoint (the services get it as DB_HOST)."
  value       = blueprint_database.db.endpoint
}

output "services" {
  description = "Service ARNs by name."
  value       = { for k, s in blueprint_secure_service.svc : k => s.service_arn }
}

output "backend_config" {
  description = "The backend block for the platform's own state."
  value       = blueprint_state_backend.state.backend_config
}

output "data_stores" {
  description = "Every store's ARN by KIND/KEY."
  value       = blueprint_data_stores.data.arns
}
