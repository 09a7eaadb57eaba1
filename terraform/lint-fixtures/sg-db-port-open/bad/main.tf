resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "rds" {
  name   = "anb-rds-sg"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# 172.31.0.0/16 is private, but outside this VPC.
resource "aws_security_group_rule" "redis" {
  type              = "ingress"
  security_group_id = aws_security_group.rds.id
  from_port         = 6379
  to_port           = 6379
  protocol          = "tcp"
  cidr_blocks       = ["172.31.0.0/16"]
}

# No VPC known: a public CIDR is outside.
resource "aws_security_group" "file" {
  name = "anb-file-sg"
}

resource "aws_vpc_security_group_ingress_rule" "nfs" {
  security_group_id = aws_security_group.file.id
  ip_protocol       = "tcp"
  from_port         = 2049
  to_port           = 2049
  cidr_ipv4         = "198.51.100.0/24"
}

resource "aws_vpc_security_group_ingress_rule" "mongo" {
  security_group_id = aws_security_group.file.id
  ip_protocol       = "tcp"
  from_port         = 27000
  to_port           = 28000
  cidr_ipv6         = "::/0"
}
