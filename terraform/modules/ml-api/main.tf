# A reusable ML API host: one `blueprint_ml_host`, closed by default.
# Seed 000 reproduced securely: the API is reachable only from `allowed_cidr_blocks` (or a load
# balancer's security group), SSH only when `ssh_cidr_blocks` is set.

terraform {
  required_providers {
    blueprint = {
      source  = "blueprint-iac/blueprint"
      version = ">= 0.1.0"
    }
  }
}

variable "name" {
  description = "Name of the host and prefix of its IAM role, profile, security group and key pair."
  type        = string
}

variable "image" {
  description = "Container image in ECR, with tag or digest."
  type        = string
}

variable "port" {
  description = "Port of the API, in the container and on the host."
  type        = number
  default     = 8000
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "allowed_cidr_blocks" {
  description = "Who may call the API. Empty: nobody but allowed_security_group_ids."
  type        = list(string)
  default     = []
}

variable "allowed_security_group_ids" {
  description = "Security groups (e.g. a load balancer's) that may call the API."
  type        = list(string)
  default     = []
}

variable "ssh_public_key" {
  description = "OpenSSH public key; null for no key pair (use SSM Session Manager)."
  type        = string
  default     = null
}

variable "ssh_cidr_blocks" {
  description = "Who may SSH. Empty: no SSH rule at all."
  type        = list(string)
  default     = []
}

variable "environment" {
  description = "Container environment. Not for secrets: it is part of the boot script."
  type        = map(string)
  default     = {}
}

variable "restrict_egress" {
  description = "Allow only HTTPS out (all the host needs)."
  type        = bool
  default     = true
}

variable "retain_elastic_ip" {
  description = "Keep the Elastic IP after destroy (seed 000 does)."
  type        = bool
  default     = false
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "blueprint_ml_host" "this" {
  name                              = var.name
  image                             = var.image
  container_port                    = var.port
  instance_type                     = var.instance_type
  app_cidr_blocks                   = var.allowed_cidr_blocks
  allow_app_from_security_group_ids = var.allowed_security_group_ids
  ssh_public_key                    = var.ssh_public_key
  ssh_cidr_blocks                   = var.ssh_cidr_blocks
  environment                       = var.environment
  restrict_egress                   = var.restrict_egress
  retain_elastic_ip                 = var.retain_elastic_ip
  tags                              = var.tags
}

output "endpoint" {
  description = "http://IP:PORT of the API."
  value       = blueprint_ml_host.this.endpoint
}

output "public_ip" {
  value = blueprint_ml_host.this.public_ip
}

output "instance_id" {
  value = blueprint_ml_host.this.instance_id
}

output "security_group_id" {
  value = blueprint_ml_host.this.security_group_id
}

output "role_arn" {
  value = blueprint_ml_host.this.role_arn
}
