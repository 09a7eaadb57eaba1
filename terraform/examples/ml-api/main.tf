# Seed 000 ("Infraestructura ML"), reproduced securely with the ml-api module: the FastAPI
# container `ml-api` from ECR on one t3.micro with an Elastic IP that survives re-creation.
# Unlike the drawing, neither SSH nor port 8000 is open to 0.0.0.0/0: the API answers only the
# office network, and there is no SSH (use SSM Session Manager).
#
# `scripts/demo.sh terraform/examples/ml-api` runs it against a local endpoint.

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

variable "office_cidr" {
  description = "Network allowed to call the API."
  type        = string
  default     = "203.0.113.0/24"
}

provider "blueprint" {
  region = "us-east-2"

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      sts = endpoints.value
      ec2 = endpoints.value
      iam = endpoints.value
    }
  }

  default_tags {
    tags = {
      project = "infra-ml"
    }
  }
}

module "ml_api" {
  source = "../../modules/ml-api"

  name                = "infra-ml"
  image               = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
  port                = 8000
  allowed_cidr_blocks = [var.office_cidr]
  environment = {
    LOG_LEVEL = "info"
  }
}

output "endpoint" {
  value = module.ml_api.endpoint
}
