resource "aws_db_instance" "videos" {
  identifier                  = "anb-db"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  storage_encrypted           = true
  publicly_accessible         = true
  manage_master_user_password = true
}

resource "aws_rds_cluster_instance" "content" {
  identifier          = "content-db-1"
  cluster_identifier  = "content-db"
  instance_class      = "db.serverless"
  engine              = "aurora-postgresql"
  publicly_accessible = true
}

resource "aws_subnet" "public" {
  vpc_id                  = "vpc-0123abcd"
  cidr_block              = "10.0.0.0/24"
  map_public_ip_on_launch = true
}

resource "aws_db_subnet_group" "videos" {
  name       = "anb-db"
  subnet_ids = [aws_subnet.public.id]
}
