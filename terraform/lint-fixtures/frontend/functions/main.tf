# SSH and RDP open to the world, each spelled through Terraform's built-in functions. Before the
# linter evaluated these functions every value below was unknown, so none of it was reported.

locals {
  # "0.0.0.0/0" and a private /24, computed.
  world  = cidrsubnet("0.0.0.0/0", 0, 0)
  office = cidrsubnet("10.20.0.0/16", 8, 3)

  ports = [80, 443, 22, 3389]
  # [22, 3389]
  admin_ports = slice(local.ports, index(local.ports, 22), length(local.ports))
  # [["tcp", 22], ["tcp", 3389]]
  admin_rules = setproduct(["tcp"], local.admin_ports)

  config = yamldecode(<<-EOT
    ingress:
      - port: 22
        from: 0.0.0.0/0
      - port: 443
        from: 10.0.0.0/8
  EOT
  )
}

resource "aws_security_group" "product" {
  name = "product"

  dynamic "ingress" {
    for_each = local.admin_rules
    content {
      protocol    = ingress.value[0]
      from_port   = ingress.value[1]
      to_port     = ingress.value[1]
      cidr_blocks = [local.world]
    }
  }
}

resource "aws_security_group_rule" "formatted" {
  type              = "ingress"
  security_group_id = aws_security_group.product.id
  protocol          = "tcp"
  from_port         = floor(22.7)
  to_port           = max(floor(22.7), 0)
  cidr_blocks       = formatlist("%s/%d", ["0.0.0.0"], 0)
}

resource "aws_vpc_security_group_ingress_rule" "from_yaml" {
  for_each          = { for r in local.config.ingress : tostring(r.port) => r }
  security_group_id = aws_security_group.product.id
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.from
}

resource "aws_security_group_rule" "parsed" {
  type              = "ingress"
  security_group_id = aws_security_group.product.id
  protocol          = "tcp"
  from_port         = tonumber(regex("port=(\\d+)", "ssh port=22")[0])
  to_port           = 22
  cidr_blocks       = strcontains("public-admin", "public") ? [local.world] : [local.office]
}

# Not reported: the same shapes on a private range.
resource "aws_security_group_rule" "office" {
  type              = "ingress"
  security_group_id = aws_security_group.product.id
  protocol          = "tcp"
  from_port         = element(local.admin_ports, 0)
  to_port           = element(local.admin_ports, 0)
  cidr_blocks       = [local.office]
}
