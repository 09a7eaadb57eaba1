resource "aws_rds_cluster" "content" {
  cluster_identifier          = "content-db"
  engine                      = "aurora-postgresql"
  engine_version              = "15.4"
  storage_encrypted           = true
  manage_master_user_password = true
  master_username             = "app"
}

# Aurora instances take encryption from their cluster.
resource "aws_db_instance" "aurora_member" {
  identifier         = "content-db-1"
  engine             = "aurora-postgresql"
  instance_class     = "db.serverless"
}

resource "aws_db_instance" "replica" {
  identifier          = "replica"
  instance_class      = "db.t3.micro"
  replicate_source_db = "anb-db"
}

variable "encrypted" {
  type = bool
}

resource "aws_db_instance" "unknown" {
  identifier                  = "unknown"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  storage_encrypted           = var.encrypted
  manage_master_user_password = true
}
