resource "aws_dynamodb_table" "user_data" {
  name         = "UserData"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "user_id"

  attribute {
    name = "user_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}

# The state lock table holds no data worth recovering.
resource "aws_dynamodb_table" "locks" {
  name         = "aplicacion-senas-terraform-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }
}
