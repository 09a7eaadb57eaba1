# SSH from an admin CIDR, from the ALB's security group (Checkov reports this one as open to
# the world), from an unknown variable, and HTTPS open to the world.
resource "aws_security_group" "alb" {
  name = "alb"

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "bastion" {
  name = "bastion"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.10/32"]
  }

  ingress {
    from_port       = 22
    to_port         = 22
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }
}

variable "admin_cidr" {
  type = string
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  security_group_id = aws_security_group.bastion.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = var.admin_cidr
}

resource "blueprint_ml_host" "api" {
  name            = "ml-api"
  ssh_cidr_blocks = ["198.51.100.0/24"]
  app_cidr_blocks = []
}

# A whole /8 of public addresses (the threshold), private space however wide, and a public
# range split in two: narrow on addresses.
resource "aws_security_group" "partners" {
  name = "partners"

  ingress {
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    cidr_blocks      = ["8.0.0.0/9", "8.128.0.0/9", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    ipv6_cidr_blocks = ["2001:db8::/33", "2001:db8:8000::/33", "fc00::/7"]
  }
}
