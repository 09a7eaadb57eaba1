variable "db_password" {
  type    = string
  default = "changeme123"
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
  cluster_identifier = "content-db"
  engine             = "aurora-postgresql"
  storage_encrypted  = true
  master_username    = "app"
  master_password    = "SuperSecret1!"
}
