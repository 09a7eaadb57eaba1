# SSH/RDP open to the world in all three styles, a dynamic block and the ML host composite.
resource "aws_security_group" "ml" {
  name = "InfraMlSG"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "rdp" {
  type              = "ingress"
  security_group_id = aws_security_group.ml.id
  from_port         = 3389
  to_port           = 3389
  protocol          = "tcp"
  ipv6_cidr_blocks  = ["::/0"]
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  security_group_id = aws_security_group.ml.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "0.0.0.0/0"
}

variable "admin_ports" {
  default = [22, 443]
}

resource "aws_security_group" "dynamic" {
  name = "dynamic"

  dynamic "ingress" {
    for_each = var.admin_ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "blueprint_ml_host" "api" {
  name            = "ml-api"
  ssh_cidr_blocks = ["0.0.0.0/0"]
  app_cidr_blocks = ["10.0.0.0/16"]
}

# The internet however it is spelt, and split across rules of one group: judged on addresses.
resource "aws_security_group" "spelt" {
  name = "spelt"

  ingress {
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    cidr_blocks      = ["0.0.0.0/00"]
    ipv6_cidr_blocks = ["::0/0", "::ffff:0.0.0.0/96", "2000::/3"]
  }
}

resource "aws_security_group" "halves" {
  name = "halves"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/1"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "other_half" {
  security_group_id = aws_security_group.halves.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "128.0.0.0/1"
}

resource "aws_security_group" "quarters" {
  name = "quarters"

  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]
  }
}

# Too wide: more public addresses than a /8, from ranges each narrower than one.
resource "aws_security_group" "wide" {
  name = "wide"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["8.0.0.0/9", "8.128.0.0/9", "9.0.0.0/9"]
  }
}
