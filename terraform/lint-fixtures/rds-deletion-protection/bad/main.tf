resource "aws_rds_cluster" "content" {
  cluster_identifier          = "content-db"
  engine                      = "aurora-postgresql"
  storage_encrypted           = true
  manage_master_user_password = true
  backup_retention_period     = 14
  skip_final_snapshot         = true
}

resource "aws_db_instance" "videos" {
  identifier                  = "anb-db"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  storage_encrypted           = true
  manage_master_user_password = true
  backup_retention_period     = 14
  deletion_protection         = false
  final_snapshot_identifier   = "anb-db-final"
}
