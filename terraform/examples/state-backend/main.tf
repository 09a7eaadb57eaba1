# Seed 001's "TERRAFORM STATE MANAGEMENT": one state bucket (and lock) per environment,
# versioned, encrypted, private and locked, with old state versions expiring after 90 days.
#
# The backend block is written for the Terraform that applies this (1.10 and newer: an S3 lock
# file, no DynamoDB table; older: the lock table). When the stacks using the backend run another
# version, say so with `terraform_version` (see docs/resources/state_backend.md).
#
#   terraform init && terraform apply
#   terraform output -raw backend_config > ../your-stack/backend.tf
#
# `scripts/demo.sh terraform/examples/state-backend` runs it against a local endpoint.

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
  description = "dev or prod (seed 001's two environments)."
  type        = string
  default     = "dev"
}

provider "blueprint" {
  region = "us-east-1"

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      sts      = endpoints.value
      s3       = endpoints.value
      dynamodb = endpoints.value
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

resource "blueprint_state_backend" "this" {
  bucket                             = "senas-tfstate-${var.environment}"
  state_key                          = "senas/${var.environment}/terraform.tfstate"
  noncurrent_version_expiration_days = 90
  point_in_time_recovery             = var.environment == "prod"
  force_destroy                      = var.environment != "prod"
  # terraform_version = "1.5"  # stacks on Terraform 1.5: 1.0-era names, DynamoDB lock table
  # locking           = "both" # 1.10+: lock file and table, while some users are still older

  timeouts {
    create = "10m"
    delete = "10m"
  }
}

output "backend_config" {
  description = "Paste into the stack that keeps its state here."
  value       = blueprint_state_backend.this.backend_config
}

output "backend_config_args" {
  value = blueprint_state_backend.this.backend_config_args
}
