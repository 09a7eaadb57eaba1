# LINT EXAMPLE: this configuration uses the `hashicorp/aws` provider, not Blueprint, so
# `terraform init` needs the public registry and fails offline (and with the local mirror's
# CLI config). Check it with `blueprint-lint`. The Blueprint version of this seed, which deploys,
# is ../video-ec2 (`scripts/demo.sh terraform/examples/video-ec2`).
#
# Seed 002 ("Entrega 2"): web server, worker and file server on EC2, PostgreSQL on RDS, all in
# the default VPC. The document opens SSH on all three instance groups without a source; it is
# written here as the usual 0.0.0.0/0, which blueprint-lint reports (warnings). NFS, Redis and
# PostgreSQL are reachable only from the web and worker security groups, as the diagram shows.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

data "aws_vpc" "default" {
  default = true
}

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]
  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"]
  }
}

locals {
  instances = {
    web    = "FastAPI + Nginx"
    worker = "Celery + FFmpeg"
    file   = "NFS Server, Redis"
  }
}

# anb-web-sg: Inbound SSH, HTTP, HTTPS
resource "aws_security_group" "web" {
  name   = "anb-web-sg"
  vpc_id = data.aws_vpc.default.id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  dynamic "ingress" {
    for_each = [80, 443]
    content {
      description = "web"
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
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# anb-worker-sg: Inbound SSH, NFS, Redis
resource "aws_security_group" "worker" {
  name   = "anb-worker-sg"
  vpc_id = data.aws_vpc.default.id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# anb-file-sg: Inbound SSH, NFS (and Redis, which runs on the file server)
resource "aws_security_group" "file" {
  name   = "anb-file-sg"
  vpc_id = data.aws_vpc.default.id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

locals {
  # WEB_SG / WORKER_SG -->|NFS 2049, Redis 6379| FILE_SG
  file_clients = {
    web_nfs      = { sg = aws_security_group.web.id, port = 2049 }
    web_redis    = { sg = aws_security_group.web.id, port = 6379 }
    worker_nfs   = { sg = aws_security_group.worker.id, port = 2049 }
    worker_redis = { sg = aws_security_group.worker.id, port = 6379 }
  }
}

resource "aws_vpc_security_group_ingress_rule" "file" {
  for_each                     = local.file_clients
  security_group_id            = aws_security_group.file.id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.sg
}

# anb-rds-sg: Inbound PostgreSQL from the web and worker groups
resource "aws_security_group" "rds" {
  name   = "anb-rds-sg"
  vpc_id = data.aws_vpc.default.id

  ingress {
    description     = "PostgreSQL"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.web.id, aws_security_group.worker.id]
  }
}

resource "aws_instance" "server" {
  for_each               = local.instances
  ami                    = data.aws_ami.ubuntu.id
  instance_type          = "t3.small"
  vpc_security_group_ids = [each.key == "web" ? aws_security_group.web.id : each.key == "worker" ? aws_security_group.worker.id : aws_security_group.file.id]

  root_block_device {
    volume_size = 50
    volume_type = "gp3"
    encrypted   = true
  }

  metadata_options {
    http_tokens = "required"
  }

  tags = {
    Name = "anb-${each.key}"
    Role = each.value
  }
}

resource "aws_db_instance" "postgres" {
  identifier                  = "anb-postgres"
  engine                      = "postgres"
  engine_version              = "16"
  instance_class              = "db.t3.micro"
  allocated_storage           = 100
  storage_encrypted           = true
  username                    = "anb"
  manage_master_user_password = true
  vpc_security_group_ids      = [aws_security_group.rds.id]
  publicly_accessible         = false
  backup_retention_period     = 7
  skip_final_snapshot         = true
}
