# The smallest Blueprint configuration: read who the provider's credentials belong to.
# `scripts/demo.sh` runs it against a local AWS-compatible endpoint; against real AWS, drop
# `aws_endpoint` and the provider uses the standard credential chain.

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

provider "blueprint" {
  region = "us-east-1"

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      sts      = endpoints.value
      s3       = endpoints.value
      dynamodb = endpoints.value
      ec2      = endpoints.value
      iam      = endpoints.value
    }
  }
  s3_use_path_style = var.aws_endpoint != null
}

data "blueprint_caller_identity" "current" {}

output "account_id" {
  value = data.blueprint_caller_identity.current.account_id
}

output "caller_arn" {
  value = data.blueprint_caller_identity.current.arn
}
