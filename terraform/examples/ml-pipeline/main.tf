# Seed 004's data pipeline ("Almacenamiento de datos", "Preprocesamiento / ETL", "Registro de
# modelos"): a raw bucket archived to Glacier, a clean bucket, a model bucket for the .pkl files,
# and two Lambda stages triggered when files land: preprocessing (raw/incoming/*.csv ->
# clean/clean/) and feature engineering (clean/clean/ -> clean/features/). Each stage's role is
# derived from those edges alone ("IAM: control de acceso basado en roles con el principio del
# mínimo privilegio"): see the `policies` output.
#
#   terraform init && terraform apply
#
# The API part of the seed ("FastAPI" serving the model) runs on ECS Fargate in the private
# subnets of a `blueprint_network`, behind a `blueprint_load_balancer` (HTTPS only), and may read
# exactly the model bucket's objects.
#
# The zips in build/ are src/*/main.py, zipped (rebuild them after editing the code:
# `cd src/preprocess && zip ../../build/preprocess.zip main.py`).

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
  description = "dev or prod."
  type        = string
  default     = "dev"
}

provider "blueprint" {
  region = "us-east-1"

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      acm                    = endpoints.value
      applicationautoscaling = endpoints.value
      ec2                    = endpoints.value
      ecs                    = endpoints.value
      elbv2                  = endpoints.value
      iam                    = endpoints.value
      lambda                 = endpoints.value
      logs                   = endpoints.value
      s3                     = endpoints.value
      sqs                    = endpoints.value
      sts                    = endpoints.value
    }
  }
  s3_use_path_style = var.aws_endpoint != null

  default_tags {
    tags = {
      project     = "ml-santiago"
      environment = var.environment
    }
  }
}

locals {
  name = "ml-santiago-${var.environment}"
}

resource "blueprint_data_pipeline" "ml" {
  name               = local.name
  log_retention_days = var.environment == "prod" ? 365 : 30
  force_destroy      = var.environment != "prod"

  bucket {
    suffix                  = "raw"
    purpose                 = "original transactional CSV files"
    glacier_transition_days = 90
  }
  bucket {
    suffix                             = "clean"
    purpose                            = "cleaned data and features"
    noncurrent_version_expiration_days = 30
  }
  bucket {
    suffix                             = "models"
    purpose                            = "serialized models (.pkl)"
    noncurrent_version_expiration_days = 365
  }

  stage {
    name     = "preprocess"
    runtime  = "python3.12"
    handler  = "main.handler"
    filename = "${path.module}/build/preprocess.zip"
    timeout  = 120
    environment = {
      CLEAN_BUCKET = "${local.name}-clean"
    }
    reads   = [{ bucket = "raw", prefix = "incoming/" }]
    writes  = [{ bucket = "clean", prefix = "clean/" }]
    trigger = { bucket = "raw", prefix = "incoming/", suffix = ".csv" }
  }

  stage {
    name        = "features"
    runtime     = "python3.12"
    handler     = "main.handler"
    filename    = "${path.module}/build/features.zip"
    memory_size = 1024
    timeout     = 300
    reads       = [{ bucket = "clean", prefix = "clean/" }]
    writes      = [{ bucket = "clean", prefix = "features/" }]
    trigger     = { bucket = "clean", prefix = "clean/", suffix = ".csv" }
  }
}

# The API: FastAPI serving the models, reachable only through the load balancer.
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
  # A demo certificate; in production pass certificate_arn (an ACM certificate).
  domain_name = "api.ml-santiago.example.com"
}

resource "blueprint_secure_service" "api" {
  name                  = "ml-api"
  cluster               = blueprint_cluster.ecs.name
  vpc_id                = blueprint_network.net.vpc_id
  subnet_ids            = blueprint_network.net.private_subnet_ids
  listener_arn          = blueprint_load_balancer.alb.https_listener_arn
  alb_security_group_id = blueprint_load_balancer.alb.security_group_id
  path_patterns         = ["/predict", "/predict/*", "/health"]
  priority              = 10

  container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-santiago-api:latest"
    port  = 8000
    environment = {
      MODEL_BUCKET = blueprint_data_pipeline.ml.bucket_names["models"]
    }
  }

  # Read the models, nothing else.
  task_role_policy_statements = [
    {
      actions   = ["s3:GetObject"]
      resources = ["${blueprint_data_pipeline.ml.bucket_arns["models"]}/*"]
    },
  ]
}

output "api_url" {
  description = "The API, through the load balancer."
  value       = "https://${blueprint_load_balancer.alb.dns_name}/predict"
}

output "bucket_names" {
  value = blueprint_data_pipeline.ml.bucket_names
}

output "function_arns" {
  value = blueprint_data_pipeline.ml.function_arns
}

output "dead_letter_queues" {
  value = blueprint_data_pipeline.ml.dlq_arns
}

output "policies" {
  description = "Each stage's derived policy, for review."
  value       = blueprint_data_pipeline.ml.policy_documents
}
