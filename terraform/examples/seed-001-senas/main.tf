# LINT EXAMPLE: this configuration uses the `hashicorp/aws` provider, not Blueprint, so
# `terraform init` needs the public registry and fails offline (and with the local mirror's
# CLI config). Check it with `blueprint-lint`; Blueprint versions of the seeds do not exist yet.
#
# Seed 001 ("Aplicación Señas"): ECS Fargate services behind an ALB, Aurora Serverless v2,
# DynamoDB, S3, SQS/SNS, Cognito, Terraform state in S3 with a DynamoDB lock table.
# The sizing table's dev and prod columns are `local.sizing`; lint with `--profile prod
# --var environment=prod` for production. The document states no violation: nothing is reported.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  backend "s3" {
    bucket         = "aplicacion-senas-terraform-state"
    key            = "senas/terraform.tfstate"
    region         = "us-east-1"
    encrypt        = true
    dynamodb_table = "aplicacion-senas-terraform-locks"
  }
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "certificate_arn" {
  type = string
}

locals {
  name = "senas-${var.environment}"
  # "Resource Sizing" table.
  sizing = {
    dev  = { azs = 2, nat = 1, acu_min = 0.5, acu_max = 2, backup_days = 3, pitr = false, mfa = "OPTIONAL", insights = "disabled", flow_logs = false }
    prod = { azs = 3, nat = 3, acu_min = 1, acu_max = 4, backup_days = 14, pitr = true, mfa = "ON", insights = "enabled", flow_logs = true }
  }
  size = local.sizing[var.environment]

  services = {
    content = { port = 8000, cpu = 512, memory = 1024, count = var.environment == "prod" ? 2 : 1 }
    user    = { port = 8001, cpu = 512, memory = 1024, count = var.environment == "prod" ? 2 : 1 }
    ml      = { port = 8002, cpu = 1024, memory = 2048, count = 1 }
  }
}

# --- Network: VPC 10.0.0.0/16, public, private and database subnets -----------------------

data "aws_availability_zones" "available" {}

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = true
}

resource "aws_subnet" "public" {
  count                   = local.size.azs
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.${count.index}.0/24"
  availability_zone       = data.aws_availability_zones.available.names[count.index]
  map_public_ip_on_launch = false
}

resource "aws_subnet" "private" {
  count             = local.size.azs
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.${10 + count.index}.0/24"
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

resource "aws_subnet" "database" {
  count             = local.size.azs
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.${20 + count.index}.0/24"
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_eip" "nat" {
  count  = local.size.nat
  domain = "vpc"
}

resource "aws_nat_gateway" "main" {
  count         = local.size.nat
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
}

# "VPC Flow Logs → CloudWatch (prod only)"
resource "aws_cloudwatch_log_group" "flow" {
  count             = local.size.flow_logs ? 1 : 0
  name              = "/${local.name}/vpc-flow-logs"
  retention_in_days = 30
}

resource "aws_flow_log" "main" {
  count           = local.size.flow_logs ? 1 : 0
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flow[0].arn
}

# --- ALB: TLS, HTTP redirects ---------------------------------------------------------------

resource "aws_security_group" "alb" {
  name   = "${local.name}-alb"
  vpc_id = aws_vpc.main.id

  dynamic "ingress" {
    for_each = [80, 443]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_lb" "main" {
  name               = local.name
  load_balancer_type = "application"
  security_groups    = [aws_security_group.alb.id]
  subnets            = aws_subnet.public[*].id

  # Prod: no deletion by accident, and every request logged (seed: "ALB Access Logs").
  enable_deletion_protection = var.environment == "prod"
  access_logs {
    bucket  = aws_s3_bucket.buckets["alb-logs"].id
    enabled = var.environment == "prod"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      status_code  = "404"
    }
  }
}

# --- ECS Fargate: "Security Groups: Least privilege (ECS ← ALB only)" -----------------------

resource "aws_ecs_cluster" "main" {
  name = local.name
  setting {
    name  = "containerInsights"
    value = local.size.insights
  }
}

resource "aws_security_group" "ecs" {
  name   = "${local.name}-ecs"
  vpc_id = aws_vpc.main.id

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "ecs_from_alb" {
  for_each                     = local.services
  security_group_id            = aws_security_group.ecs.id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.alb.id
}

module "service" {
  source   = "./modules/ecs-service"
  for_each = local.services

  name              = "${each.key}-service"
  cluster_arn       = aws_ecs_cluster.main.arn
  port              = each.value.port
  cpu               = each.value.cpu
  memory            = each.value.memory
  desired_count     = each.value.count
  subnets           = aws_subnet.private[*].id
  security_group_id = aws_security_group.ecs.id
  vpc_id            = aws_vpc.main.id
  listener_arn      = aws_lb_listener.https.arn
  path              = "/${each.key == "content" ? "content" : each.key == "user" ? "users" : "ml"}*"
  db_secret_arn     = aws_rds_cluster.content.master_user_secret[0].secret_arn
  table_arns        = [for t in aws_dynamodb_table.tables : t.arn]
  bucket_arns       = [for b in aws_s3_bucket.buckets : b.arn]
  queue_arns        = [for q in aws_sqs_queue.queues : q.arn]
  topic_arns        = [for t in aws_sns_topic.topics : t.arn]
}

# --- Aurora Serverless v2 (PostgreSQL 15.4) ----------------------------------------------------

resource "aws_db_subnet_group" "db" {
  name       = local.name
  subnet_ids = aws_subnet.database[*].id
}

resource "aws_security_group" "db" {
  name   = "${local.name}-db"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.ecs.id]
  }
}

resource "aws_rds_cluster" "content" {
  cluster_identifier          = "content-db"
  engine                      = "aurora-postgresql"
  engine_mode                 = "provisioned"
  engine_version              = "15.4"
  database_name               = "content_db"
  master_username             = "senas"
  manage_master_user_password = true
  storage_encrypted           = true
  backup_retention_period     = local.size.backup_days
  deletion_protection         = var.environment == "prod"
  skip_final_snapshot         = var.environment != "prod"
  final_snapshot_identifier   = "content-db-final"
  db_subnet_group_name        = aws_db_subnet_group.db.name
  vpc_security_group_ids      = [aws_security_group.db.id]

  serverlessv2_scaling_configuration {
    min_capacity = local.size.acu_min
    max_capacity = local.size.acu_max
  }
}

resource "aws_rds_cluster_instance" "content" {
  identifier         = "content-db-1"
  cluster_identifier = aws_rds_cluster.content.id
  instance_class     = "db.serverless"
  engine             = aws_rds_cluster.content.engine
}

# --- DynamoDB, S3, SQS, SNS ---------------------------------------------------------------------

resource "aws_dynamodb_table" "tables" {
  for_each     = toset(["UserData", "UserProgress", "AiSessions"])
  name         = "${local.name}-${each.key}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = local.size.pitr
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_s3_bucket" "buckets" {
  for_each = toset(["content-assets", "user-uploads", "ml-models", "video-processing", "alb-logs"])
  bucket   = "${local.name}-${each.key}"
}

resource "aws_s3_bucket_public_access_block" "buckets" {
  for_each                = aws_s3_bucket.buckets
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "buckets" {
  for_each = aws_s3_bucket.buckets
  bucket   = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_sqs_queue" "dlq" {
  for_each = toset(["video-processing", "ml-inference"])
  name     = "${local.name}-${each.key}-dlq"
}

resource "aws_sqs_queue" "queues" {
  for_each = toset(["video-processing", "ml-inference"])
  name     = "${local.name}-${each.key}"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = 5
  })
}

resource "aws_sns_topic" "topics" {
  for_each          = toset(["achievement-notifs", "level-completion", "system-alerts"])
  name              = "${local.name}-${each.key}"
  kms_master_key_id = "alias/aws/sns"
}

# --- Cognito: "MFA: Optional (dev) / ON (prod)" --------------------------------------------------

resource "aws_cognito_user_pool" "users" {
  name              = "${local.name}-users"
  mfa_configuration = local.size.mfa

  software_token_mfa_configuration {
    enabled = true
  }
}

# --- Terraform state: "Versioning: Enabled", "Encryption: AES-256", lock table -------------------

resource "aws_s3_bucket" "state" {
  bucket = "aplicacion-senas-terraform-state"
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_dynamodb_table" "locks" {
  name         = "aplicacion-senas-terraform-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }
}
