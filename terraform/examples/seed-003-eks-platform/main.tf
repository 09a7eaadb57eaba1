# LINT EXAMPLE: this configuration uses the `hashicorp/aws` provider, not Blueprint, so
# `terraform init` needs the public registry and fails offline (and with the local mirror's
# CLI config). Check it with `blueprint-lint`; Blueprint versions of the seeds do not exist yet.
#
# Seed 003: EKS platform (Django, FastAPI and Go systems) with Kong, an ALB with SSL
# termination and WAF, RDS PostgreSQL Multi-AZ with 2 replicas, ElastiCache Redis (3 nodes),
# DocumentDB and S3. The document states no violation: nothing is reported.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "certificate_arn" {
  type = string
}

variable "private_subnet_ids" {
  type = list(string)
}

variable "public_subnet_ids" {
  type = list(string)
}

variable "vpc_id" {
  type = string
}

locals {
  name = "platform"
}

# --- EKS -----------------------------------------------------------------------------------------

data "aws_iam_policy_document" "eks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = "${local.name}-eks"
  assume_role_policy = data.aws_iam_policy_document.eks_assume.json
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_kms_key" "eks" {
  description         = "EKS secrets"
  enable_key_rotation = true
}

resource "aws_eks_cluster" "main" {
  name     = local.name
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = var.private_subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.eks.arn
    }
  }
}

data "aws_iam_policy_document" "node_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${local.name}-node"
  assume_role_policy = data.aws_iam_policy_document.node_assume.json
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  ])
  role       = aws_iam_role.node.name
  policy_arn = each.value
}

resource "aws_launch_template" "node" {
  name = "${local.name}-node"

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 50
      encrypted   = true
    }
  }
}

# "EC2 Instances: t3.medium para worker nodes", "Auto Scaling Groups"
resource "aws_eks_node_group" "workers" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "workers"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.private_subnet_ids
  instance_types  = ["t3.medium"]

  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  scaling_config {
    desired_size = 3
    min_size     = 3
    max_size     = 9
  }
}

# --- ALB with SSL termination and WAF -----------------------------------------------------------

resource "aws_security_group" "alb" {
  name   = "${local.name}-alb"
  vpc_id = var.vpc_id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_lb" "main" {
  name               = local.name
  load_balancer_type = "application"
  security_groups    = [aws_security_group.alb.id]
  subnets            = var.public_subnet_ids

  # Production: the load balancer cannot be deleted by accident and logs every request.
  enable_deletion_protection = true
  access_logs {
    bucket  = aws_s3_bucket.files["alb-logs"].id
    enabled = true
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

resource "aws_lb_target_group" "kong" {
  name        = "kong"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.kong.arn
  }
}

resource "aws_wafv2_web_acl" "main" {
  name  = local.name
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "common"
    priority = 1
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "common"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.name
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "alb" {
  resource_arn = aws_lb.main.arn
  web_acl_arn  = aws_wafv2_web_acl.main.arn
}

# --- Data tier: only the EKS nodes reach it ------------------------------------------------------

resource "aws_security_group" "data" {
  name   = "${local.name}-data"
  vpc_id = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "data" {
  for_each                     = { postgres = 5432, redis = 6379, docdb = 27017 }
  security_group_id            = aws_security_group.data.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
}

resource "aws_db_subnet_group" "data" {
  name       = "${local.name}-data"
  subnet_ids = var.private_subnet_ids
}

# "RDS PostgreSQL: Master + 2 Replicas", Multi-AZ
resource "aws_db_instance" "primary" {
  identifier                  = "${local.name}-pg"
  engine                      = "postgres"
  engine_version              = "16"
  instance_class              = "db.r6g.large"
  allocated_storage           = 100
  multi_az                    = true
  storage_encrypted           = true
  username                    = "platform"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.data.name
  vpc_security_group_ids      = [aws_security_group.data.id]
  backup_retention_period     = 14
  deletion_protection         = true
  final_snapshot_identifier   = "${local.name}-pg-final"
}

resource "aws_db_instance" "replica" {
  count                  = 2
  identifier             = "${local.name}-pg-replica-${count.index}"
  replicate_source_db    = aws_db_instance.primary.identifier
  instance_class         = "db.r6g.large"
  vpc_security_group_ids = [aws_security_group.data.id]
}

resource "random_password" "redis" {
  length  = 32
  special = false
}

resource "aws_elasticache_subnet_group" "data" {
  name       = "${local.name}-data"
  subnet_ids = var.private_subnet_ids
}

# "ElastiCache Redis: Cluster: 3 nodes"
resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "${local.name}-redis"
  description                = "cache and message broker"
  engine                     = "redis"
  node_type                  = "cache.t4g.medium"
  num_cache_clusters         = 3
  automatic_failover_enabled = true
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = random_password.redis.result
  subnet_group_name          = aws_elasticache_subnet_group.data.name
  security_group_ids         = [aws_security_group.data.id]
}

resource "random_password" "docdb" {
  length  = 32
  special = false
}

resource "aws_docdb_subnet_group" "data" {
  name       = "${local.name}-data"
  subnet_ids = var.private_subnet_ids
}

# "DocumentDB: MongoDB compatible"
resource "aws_docdb_cluster" "docs" {
  cluster_identifier     = "${local.name}-docs"
  master_username        = "platform"
  master_password        = random_password.docdb.result
  storage_encrypted      = true
  db_subnet_group_name   = aws_docdb_subnet_group.data.name
  vpc_security_group_ids = [aws_security_group.data.id]
}

# --- S3: "Almacenamiento de archivos y backups" ----------------------------------------------------

resource "aws_s3_bucket" "files" {
  for_each = toset(["files", "backups", "alb-logs"])
  bucket   = "${local.name}-${each.key}"
}

resource "aws_s3_bucket_public_access_block" "files" {
  for_each                = aws_s3_bucket.files
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
