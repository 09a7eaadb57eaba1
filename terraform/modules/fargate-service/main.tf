# One service of seed 001 ("Señas"): an ECS Fargate service behind the shared ALB, reachable only
# from the ALB's security group, in private subnets, with exact IAM and target-tracking
# autoscaling (CPU 70 %, memory 80 %). There is no open shape to choose.

terraform {
  required_providers {
    blueprint = {
      source  = "blueprint-iac/blueprint"
      version = ">= 0.1.0"
    }
  }
}

variable "name" {
  description = "Service name; prefixes its roles, security group, target group and log group."
  type        = string
}

variable "image" {
  description = "Container image (ECR URI with tag or digest)."
  type        = string
}

variable "port" {
  description = "Container port."
  type        = number
}

variable "paths" {
  description = "Path patterns the ALB routes to this service, e.g. [\"/content\", \"/content/*\"]."
  type        = list(string)
}

variable "priority" {
  description = "Listener rule priority, unique on the listener."
  type        = number
}

variable "platform" {
  description = "The shared platform: cluster, VPC, private subnets, ALB listener and its security group."
  type = object({
    cluster               = string
    vpc_id                = string
    private_subnet_ids    = list(string)
    listener_arn          = string
    alb_security_group_id = string
  })
}

variable "environment" {
  description = "Plain environment variables (never secrets)."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Secret environment: variable name to a Secrets Manager secret or SSM parameter ARN."
  type        = map(string)
  default     = {}
}

variable "permissions" {
  description = "The task role's statements: exact actions on exact ARNs (no wildcards)."
  type = list(object({
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Task memory in MiB."
  type        = number
  default     = 512
}

variable "min_tasks" {
  description = "Fewest tasks (seed 001 dev: 1)."
  type        = number
  default     = 1
}

variable "max_tasks" {
  description = "Most tasks (seed 001 dev: 2)."
  type        = number
  default     = 2
}

variable "health_check_path" {
  description = "Target group health check path."
  type        = string
  default     = "/health"
}

variable "tags" {
  description = "Tags of every child."
  type        = map(string)
  default     = {}
}

resource "blueprint_secure_service" "this" {
  name                  = var.name
  cluster               = var.platform.cluster
  vpc_id                = var.platform.vpc_id
  subnet_ids            = var.platform.private_subnet_ids
  listener_arn          = var.platform.listener_arn
  alb_security_group_id = var.platform.alb_security_group_id
  path_patterns         = var.paths
  priority              = var.priority
  health_check_path     = var.health_check_path

  container {
    image       = var.image
    port        = var.port
    cpu         = var.cpu
    memory      = var.memory
    environment = var.environment
    secrets     = var.secrets
  }

  autoscaling {
    min           = var.min_tasks
    max           = var.max_tasks
    cpu_target    = 70
    memory_target = 80
  }

  task_role_policy_statements = var.permissions
  tags                        = var.tags
}

output "service_arn" {
  description = "ECS service ARN."
  value       = blueprint_secure_service.this.service_arn
}

output "security_group_id" {
  description = "The service's security group (admits only the ALB)."
  value       = blueprint_secure_service.this.security_group_id
}

output "target_group_arn" {
  description = "Target group of the service."
  value       = blueprint_secure_service.this.target_group_arn
}

output "task_role_arn" {
  description = "Task role, for resource policies that name it."
  value       = blueprint_secure_service.this.task_role_arn
}
