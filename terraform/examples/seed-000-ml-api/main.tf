# LINT EXAMPLE: this configuration uses the `hashicorp/aws` provider, not Blueprint, so
# `terraform init` needs the public registry and fails offline (and with the local mirror's
# CLI config). Check it with `blueprint-lint`; Blueprint versions of the seeds do not exist yet.
#
# Seed 000: ML API (FastAPI in Docker) on one EC2 host, us-east-2.
# The document opens SSH and the API port to the world; blueprint-lint reports both (warnings).

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "us-east-2"
}

variable "image" {
  type    = string
  default = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
}

data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }
}

resource "aws_key_pair" "ml" {
  key_name   = "infra-ml-keypair"
  public_key = file("${path.module}/infra-ml-keypair.pub")
}

# "SSH: 0.0.0.0/0:22", "FastAPI: 0.0.0.0/0:8000", "Egress: All Traffic"
resource "aws_security_group" "ml" {
  name        = "InfraMlSG"
  description = "ML API host"

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "FastAPI"
    from_port   = 8000
    to_port     = 8000
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

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

# "IAM Role: EC2Role: AmazonEC2ContainerRegistryReadOnly, ecr:GetAuthorizationToken"
resource "aws_iam_role" "ec2" {
  name               = "EC2Role"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy_attachment" "ecr_read" {
  role       = aws_iam_role.ec2.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
}

# GetAuthorizationToken has no resource-level permissions: `*` is required and allowed.
resource "aws_iam_role_policy" "ecr_token" {
  name = "ecr-token"
  role = aws_iam_role.ec2.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ecr:GetAuthorizationToken"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_instance_profile" "ec2" {
  name = "EC2Role"
  role = aws_iam_role.ec2.name
}

resource "aws_instance" "ml" {
  ami                    = data.aws_ami.al2023.id
  instance_type          = "t3.micro"
  key_name               = aws_key_pair.ml.key_name
  iam_instance_profile   = aws_iam_instance_profile.ec2.name
  vpc_security_group_ids = [aws_security_group.ml.id]

  root_block_device {
    volume_type = "gp3"
    encrypted   = true
  }

  metadata_options {
    http_tokens = "required"
  }

  user_data = <<-EOT
    #!/bin/bash
    dnf install -y docker && systemctl enable --now docker
    aws ecr get-login-password --region us-east-2 | docker login --username AWS --password-stdin ${split("/", var.image)[0]}
    docker run -d --name ml-api --restart unless-stopped -p 8000:8000 ${var.image}
  EOT

  tags = {
    Name = "ml-api"
  }
}

# "Elastic IP Address: Static Public IP, Retained after destroy"
resource "aws_eip" "ml" {
  instance = aws_instance.ml.id
  domain   = "vpc"

  lifecycle {
    prevent_destroy = true
  }
}
