resource "aws_cognito_user_pool" "users" {
  name = "senas-users"
}

resource "aws_cognito_user_pool" "optional" {
  name              = "senas-optional"
  mfa_configuration = "OPTIONAL"
}
