resource "aws_db_instance" "videos" {
  identifier                  = "anb-db"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  storage_encrypted           = true
  publicly_accessible         = false
  manage_master_user_password = true
}

resource "aws_rds_cluster_instance" "content" {
  identifier         = "content-db-1"
  cluster_identifier = "content-db"
  instance_class     = "db.serverless"
  engine             = "aurora-postgresql"
}

resource "aws_subnet" "database" {
  vpc_id     = "vpc-0123abcd"
  cidr_block = "10.0.20.0/24"
}

resource "aws_db_subnet_group" "videos" {
  name       = "anb-db"
  subnet_ids = [aws_subnet.database.id]
}
