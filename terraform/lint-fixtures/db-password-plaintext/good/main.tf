variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "videos" {
  identifier        = "anb-db"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  storage_encrypted = true
  username          = "app"
  password          = var.db_password
}

resource "aws_rds_cluster" "content" {
  cluster_identifier          = "content-db"
  engine                      = "aurora-postgresql"
  storage_encrypted           = true
  master_username             = "app"
  manage_master_user_password = true
}

resource "random_password" "docdb" {
  length = 32
}

resource "aws_docdb_cluster" "docs" {
  cluster_identifier = "docs"
  master_username    = "app"
  master_password    = random_password.docdb.result
  storage_encrypted  = true
}
