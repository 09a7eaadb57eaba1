# Seed 002 on Blueprint alone: a video service on three EC2 hosts (web server, worker, file
# server) and RDS PostgreSQL, in a blueprint_network. The hosts' network rules are derived from
# the connections they declare (blueprint_host_group): web and worker reach the file server on
# NFS 2049 and Redis 6379 and the database on 5432; clients reach the web server on 80/443.
# No SSH anywhere: shell access is `aws ssm start-session --target INSTANCE_ID`.
#
# Demo against moto: `scripts/demo.sh terraform/examples/video-ec2`.
# Lint: `blueprint-lint --profile prod --var environment=prod terraform/examples/video-ec2`.
# The lint-only version on the hashicorp/aws provider is ../seed-002-video-ec2-rds.

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

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "The environment must be dev or prod."
  }
}

variable "region" {
  description = "Region of the service."
  type        = string
  default     = "us-east-1"
}

variable "redis_password_parameter_arn" {
  description = "ARN of the SSM SecureString parameter holding the Redis password (null: Redis without a password, for demos). Read by the file server at boot, never written into user data or state."
  type        = string
  default     = null
}

provider "blueprint" {
  region = var.region

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      ec2 = endpoints.value
      iam = endpoints.value
      logs = endpoints.value
      rds = endpoints.value
      s3  = endpoints.value
      sts = endpoints.value
    }
  }
  s3_use_path_style = var.aws_endpoint != null

  default_tags {
    tags = {
      project     = "anb-video"
      environment = var.environment
    }
  }
}

locals {
  name = "anb-${var.environment}"
  prod = var.environment == "prod"

  # The redis password, when given, is read at boot by the hosts that use Redis.
  redis_secret = var.redis_password_parameter_arn == null ? {} : { REDIS_PASSWORD = var.redis_password_parameter_arn }
}

resource "blueprint_network" "net" {
  name    = local.name
  profile = var.environment
}

# db.t3.micro, 100 GiB, as the seed sizes it; reachable only through its client group, which
# only the hosts that connect to it carry.
resource "blueprint_database" "db" {
  name                       = "${local.name}-db"
  profile                    = var.environment
  engine                     = "postgres"
  instance_class             = "db.t3.micro"
  allocated_storage          = 100
  vpc_id                     = blueprint_network.net.vpc_id
  subnet_ids                 = blueprint_network.net.database_subnet_ids
  database_name              = "anb"
  allowed_security_group_ids = []
  skip_final_snapshot        = !local.prod
}

resource "blueprint_host_group" "video" {
  name   = local.name
  vpc_id = blueprint_network.net.vpc_id

  # Web server: FastAPI + Nginx, the REST API, reached by clients over HTTP/HTTPS.
  host {
    name          = "web"
    instance_type = "t3.small"
    volume_size   = 50
    subnet_id     = blueprint_network.net.public_subnet_ids[0]
    serves = [
      { name = "http", port = 80, protocol = "tcp" },
      { name = "https", port = 443, protocol = "tcp" },
    ]
    public_ports = [80, 443]
    connects_to = [
      { host = "files", service = "nfs" },
      { host = "files", service = "redis" },
    ]
    connects_to_external          = [{ name = "database", port = 5432 }]
    additional_security_group_ids = [blueprint_database.db.client_security_group_id]
    packages                      = ["nginx", "python3-pip", "nfs-utils"]
    secret_environment            = merge(local.redis_secret, { DATABASE_SECRET = blueprint_database.db.master_user_secret_arn })
    commands = [
      "pip3 install fastapi uvicorn celery redis psycopg2-binary",
      "systemctl enable --now nginx",
    ]
  }

  # Worker: Celery + FFmpeg, processes the uploads.
  host {
    name          = "worker"
    instance_type = "t3.small"
    volume_size   = 50
    subnet_id     = blueprint_network.net.private_subnet_ids[0]
    connects_to = [
      { host = "files", service = "nfs" },
      { host = "files", service = "redis" },
    ]
    connects_to_external          = [{ name = "database", port = 5432 }]
    additional_security_group_ids = [blueprint_database.db.client_security_group_id]
    packages                      = ["python3-pip", "nfs-utils"]
    secret_environment            = merge(local.redis_secret, { DATABASE_SECRET = blueprint_database.db.master_user_secret_arn })
    commands                      = ["pip3 install celery redis psycopg2-binary"]
  }

  # File server: NFS shared storage and Redis, the task queue.
  host {
    name          = "files"
    instance_type = "t3.small"
    volume_size   = 50
    subnet_id     = blueprint_network.net.private_subnet_ids[0]
    serves = [
      { name = "nfs", port = 2049, protocol = "tcp" },
      { name = "redis", port = 6379, protocol = "tcp" },
    ]
    packages           = ["nfs-utils", "redis6"]
    secret_environment = local.redis_secret
    commands = [
      "mkdir -p /srv/videos && echo '/srv/videos 10.0.0.0/8(rw,sync,no_subtree_check)' > /etc/exports",
      "systemctl enable --now nfs-server redis6",
    ]
  }
}

output "web_private_ip" {
  value = blueprint_host_group.video.private_ips["web"]
}

output "instance_ids" {
  value = blueprint_host_group.video.instance_ids
}

output "ingress_rules" {
  value = blueprint_host_group.video.ingress_rules
}

output "database_endpoint" {
  value = blueprint_database.db.endpoint
}
