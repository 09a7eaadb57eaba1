# Seed 001 ("Señas"): three services (content, users, ml) on ECS Fargate behind one ALB that
# routes by path and checks /health. The platform (VPC, ALB with its HTTPS listener, cluster)
# already exists, as in the seed's drawing; each service is reachable only from the ALB, runs in
# private subnets, reads only its own secrets and touches only its own tables, buckets and queues.

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

variable "region" {
  description = "Region of the platform."
  type        = string
  default     = "us-east-2"
}

variable "platform" {
  description = "The existing platform: cluster, VPC, private subnets, ALB listener and its security group."
  type = object({
    cluster               = string
    vpc_id                = string
    private_subnet_ids    = list(string)
    listener_arn          = string
    alb_security_group_id = string
  })
}

variable "account_id" {
  description = "Account of the images, tables and secrets."
  type        = string
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
      sts                    = endpoints.value
      ec2                    = endpoints.value
      iam                    = endpoints.value
      ecs                    = endpoints.value
      elbv2                  = endpoints.value
      logs                   = endpoints.value
      applicationautoscaling = endpoints.value
    }
  }

  default_tags {
    tags = {
      project = "senas"
    }
  }
}

locals {
  registry = "${var.account_id}.dkr.ecr.${var.region}.amazonaws.com"
  arn      = "arn:aws"
}

module "content" {
  source   = "../../modules/fargate-service"
  name     = "content"
  image    = "${local.registry}/senas-content:${var.image_tag}"
  port     = 3000
  paths    = ["/content", "/content/*"]
  priority = 10
  platform = var.platform
  secrets = {
    DB_PASSWORD = "${local.arn}:secretsmanager:${var.region}:${var.account_id}:secret:senas-aurora"
  }
  permissions = [
    {
      actions   = ["s3:GetObject"]
      resources = ["${local.arn}:s3:::senas-content-videos/*"]
    },
  ]
}

module "users" {
  source   = "../../modules/fargate-service"
  name     = "users"
  image    = "${local.registry}/senas-users:${var.image_tag}"
  port     = 3001
  paths    = ["/users", "/users/*"]
  priority = 20
  platform = var.platform
  permissions = [
    {
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]
      resources = ["${local.arn}:dynamodb:${var.region}:${var.account_id}:table/UserData"]
    },
  ]
}

module "ml" {
  source   = "../../modules/fargate-service"
  name     = "ml"
  image    = "${local.registry}/senas-ml:${var.image_tag}"
  port     = 8000
  paths    = ["/ml", "/ml/*"]
  priority = 30
  platform = var.platform
  cpu      = 1024
  memory   = 2048
  permissions = [
    {
      actions   = ["dynamodb:PutItem"]
      resources = ["${local.arn}:dynamodb:${var.region}:${var.account_id}:table/ModelPredictions"]
    },
    {
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
      resources = ["${local.arn}:sqs:${var.region}:${var.account_id}:senas-inference"]
    },
  ]
}

output "services" {
  description = "Service ARNs by name."
  value = {
    content = module.content.service_arn
    users   = module.users.service_arn
    ml      = module.ml.service_arn
  }
}
