# Exercises the evaluator: tfvars, locals, templates, functions, count, for_each, dynamic
# blocks, local modules with inputs and outputs, and references across them.
variable "ssh_cidr" {
  type    = string
  default = "10.0.0.0/8"
}

variable "env" {
  type = string
}

variable "db_ports" {
  type    = map(number)
  default = { postgres = 5432, redis = 6379 }
}

locals {
  name     = "senas-${var.env}"
  world    = ["0.0.0.0/0"]
  merged   = merge({ a = 1 }, { b = 2 })
  listener = lookup({ http = "HTTP" }, "http", "HTTPS")
  unknown  = var.env == "prod" ? "a" : "b"
}

module "net" {
  source   = "./modules/net"
  name     = local.name
  ssh_cidr = var.ssh_cidr
}

resource "aws_security_group" "web" {
  count = 2
  name  = "${local.name}-web-${count.index}"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = count.index == 1 ? local.world : ["10.0.0.0/16"]
  }
}

resource "aws_security_group" "db" {
  for_each = var.db_ports
  name     = "${local.name}-${each.key}"

  dynamic "ingress" {
    for_each = [each.value]
    iterator = port
    content {
      from_port   = port.value
      to_port     = port.value
      protocol    = "tcp"
      cidr_blocks = concat(local.world, [])
    }
  }
}

resource "aws_security_group" "from_module" {
  name = "from-module"

  ingress {
    from_port       = 22
    to_port         = 22
    protocol        = "tcp"
    security_groups = [module.net.sg_id]
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = "arn"
  port              = 80
  protocol          = local.listener

  default_action {
    type = "forward"
  }
}
