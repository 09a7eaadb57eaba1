variable "environment" {
  default = "prod"
}

locals {
  backup_days = { dev = 3, prod = 14 }
}

resource "aws_rds_cluster" "content" {
  cluster_identifier          = "content-db"
  engine                      = "aurora-postgresql"
  storage_encrypted           = true
  manage_master_user_password = true
  backup_retention_period     = local.backup_days[var.environment]
}

resource "aws_db_instance" "content_1" {
  identifier         = "content-db-1"
  engine             = "aurora-postgresql"
  instance_class     = "db.serverless"
}
