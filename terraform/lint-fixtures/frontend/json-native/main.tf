# Native twin of ../json (main.tf.json + terraform.tfvars.json): the same findings.
variable "ssh_cidr" {
  type    = string
  default = "10.0.0.0/8"
}
variable "env" {
  default = "dev"
}
variable "queues" {
  default = ["a", "b"]
}

locals {
  name = "app-${var.env}"
  open = [var.ssh_cidr]
}

resource "aws_security_group" "bastion" {
  name = "${local.name}-bastion"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = local.open
  }
}

resource "aws_security_group" "db" {
  name = "db"
  dynamic "ingress" {
    for_each = [5432]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_sns_topic" "events" {
  count = length(var.queues)
  name  = var.queues[count.index]
}

resource "aws_iam_policy" "admin" {
  name = "admin"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "arn:aws:s3:::${local.name}/*" }]
  })
}

module "topic" {
  source = "./modules/topic"
  name   = local.name
}

output "name" {
  value = local.name
}
