# Seed 004's data pipeline ("Almacenamiento de datos", "Preprocesamiento / ETL", "Registro de
# modelos"): a raw bucket archived to Glacier, a clean bucket, a model bucket for the .pkl files,
# and two Lambda stages triggered when files land: preprocessing (raw/incoming/*.csv ->
# clean/clean/) and feature engineering (clean/clean/ -> clean/features/). Each stage's role is
# derived from those edges alone ("IAM: control de acceso basado en roles con el principio del
# mínimo privilegio"): see the `policies` output.
#
#   terraform init && terraform apply
#
# The zips in build/ are src/*/main.py, zipped (rebuild them after editing the code:
# `cd src/preprocess && zip ../../build/preprocess.zip main.py`). The network and load balancer
# of the API part of the seed are other composites.

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
      sts    = endpoints.value
      s3     = endpoints.value
      iam    = endpoints.value
      lambda = endpoints.value
      logs   = endpoints.value
      sqs    = endpoints.value
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
