# Data stores the internet reaches on their port through chains of security-group rules.

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

# A TCP proxy reached on 5432 from anywhere, allowed to open 5432 on the database: the
# database is on the internet through it.
resource "aws_security_group" "proxy" {
  name   = "pg-proxy"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "proxy" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.proxy.id]

  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.proxy.id]
  }
}

resource "aws_db_instance" "orders" {
  identifier                  = "orders"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  manage_master_user_password = true
  storage_encrypted           = true
  vpc_security_group_ids      = [aws_security_group.db.id]
}

# A network load balancer's group open to the world; the file system admits the load
# balancer's group: a load balancer passes on whatever port it admits.
resource "aws_security_group" "nlb" {
  name   = "nlb"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_lb" "files" {
  name               = "files"
  load_balancer_type = "network"
  security_groups    = [aws_security_group.nlb.id]
}

resource "aws_security_group" "efs" {
  name   = "efs"
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "efs_from_nlb" {
  security_group_id            = aws_security_group.efs.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.nlb.id
}

resource "aws_efs_file_system" "shared" {
  encrypted = true
}

resource "aws_efs_mount_target" "shared" {
  file_system_id  = aws_efs_file_system.shared.id
  subnet_id       = "subnet-12345678"
  security_groups = [aws_security_group.efs.id]
}

# SQL Server on its default port, inside a range opened to a public address.
resource "aws_security_group" "mssql" {
  name   = "mssql"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group_rule" "mssql_office" {
  type              = "ingress"
  security_group_id = aws_security_group.mssql.id
  from_port         = 1000
  to_port           = 2000
  protocol          = "tcp"
  cidr_blocks       = ["203.0.113.0/24"]
}

resource "aws_db_instance" "reports" {
  identifier                  = "reports"
  engine                      = "sqlserver-ex"
  instance_class              = "db.t3.small"
  allocated_storage           = 20
  manage_master_user_password = true
  storage_encrypted           = true
  vpc_security_group_ids      = [aws_security_group.mssql.id]
}
