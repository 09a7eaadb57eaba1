resource "aws_rds_cluster" "content" {
  cluster_identifier          = "content-db"
  engine                      = "aurora-postgresql"
  engine_version              = "15.4"
  manage_master_user_password = true
  master_username             = "app"
}

resource "aws_db_instance" "videos" {
  identifier                  = "anb-db"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  allocated_storage           = 100
  storage_encrypted           = false
  manage_master_user_password = true
  username                    = "app"
}
