# LINT EXAMPLE: this configuration uses the `hashicorp/aws` provider, not Blueprint, so
# `terraform init` needs the public registry and fails offline (and with the local mirror's
# CLI config). Check it with `blueprint-lint`; Blueprint versions of the seeds do not exist yet.
#
# Seed 004: ML data pipeline. S3 raw/clean/model buckets, Lambda preprocessing and feature
# engineering triggered by S3, EC2 training with PyCaret, SageMaker model registry, the API on
# ECS Fargate behind API Gateway (VPC link to an internal ALB), CloudWatch and least-privilege
# IAM. The document states no violation: nothing is reported.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  type = list(string)
}

variable "api_image" {
  type = string
}

variable "certificate_arn" {
  type = string
}

locals {
  name    = "ml-pipeline"
  buckets = ["raw", "clean", "pkl", "alb-logs"]
}

# --- 1. Storage: "S3 Raw", "S3 Clean", "S3 PKL" --------------------------------------------------

resource "aws_s3_bucket" "data" {
  for_each = toset(local.buckets)
  bucket   = "${local.name}-${each.key}"
}

resource "aws_s3_bucket_public_access_block" "data" {
  for_each                = aws_s3_bucket.data
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "raw" {
  bucket = aws_s3_bucket.data["raw"].id
  rule {
    id     = "archive"
    status = "Enabled"
    filter {}
    transition {
      days          = 90
      storage_class = "GLACIER"
    }
  }
}

# --- 2. ETL: Lambda preprocessing and feature engineering ------------------------------------------

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "etl" {
  name               = "${local.name}-etl"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "etl" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.data["raw"].arn}/*"]
  }
  statement {
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${aws_s3_bucket.data["clean"].arn}/*"]
  }
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:aws:logs:*:*:log-group:/aws/lambda/${local.name}-*"]
  }
}

resource "aws_iam_role_policy" "etl" {
  name   = "${local.name}-etl"
  role   = aws_iam_role.etl.id
  policy = data.aws_iam_policy_document.etl.json
}

resource "aws_lambda_function" "etl" {
  for_each      = { preprocess = "preprocess.handler", features = "features.handler" }
  function_name = "${local.name}-${each.key}"
  role          = aws_iam_role.etl.arn
  runtime       = "python3.12"
  handler       = each.value
  filename      = "${path.module}/build/${each.key}.zip"
  timeout       = 300
  memory_size   = 1024
}

resource "aws_lambda_permission" "s3" {
  for_each      = aws_lambda_function.etl
  statement_id  = "s3"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = each.key == "preprocess" ? aws_s3_bucket.data["raw"].arn : aws_s3_bucket.data["clean"].arn
}

resource "aws_s3_bucket_notification" "raw" {
  bucket = aws_s3_bucket.data["raw"].id
  lambda_function {
    lambda_function_arn = aws_lambda_function.etl["preprocess"].arn
    events              = ["s3:ObjectCreated:*"]
    filter_suffix       = ".csv"
  }
}

# --- 3. Training: EC2 with PyCaret ---------------------------------------------------------------

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "training" {
  name               = "${local.name}-training"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_role_policy" "training" {
  name = "${local.name}-training"
  role = aws_iam_role.training.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = "${aws_s3_bucket.data["clean"].arn}/*" },
      { Effect = "Allow", Action = ["s3:PutObject"], Resource = "${aws_s3_bucket.data["pkl"].arn}/*" },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "training_ssm" {
  role       = aws_iam_role.training.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "training" {
  name = "${local.name}-training"
  role = aws_iam_role.training.name
}

resource "aws_security_group" "training" {
  name   = "${local.name}-training"
  vpc_id = var.vpc_id

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "training" {
  ami                    = "ami-0ea3c35c5c3284d82"
  instance_type          = "m5.xlarge"
  subnet_id              = var.private_subnet_ids[0]
  iam_instance_profile   = aws_iam_instance_profile.training.name
  vpc_security_group_ids = [aws_security_group.training.id]

  root_block_device {
    volume_size = 100
    encrypted   = true
  }

  metadata_options {
    http_tokens = "required"
  }
}

# --- 4. Model registry ---------------------------------------------------------------------------

resource "aws_sagemaker_model_package_group" "models" {
  model_package_group_name = local.name
}

# --- 5. API: ECS Fargate behind API Gateway (VPC link -> internal ALB) ---------------------------

resource "aws_security_group" "alb" {
  name   = "${local.name}-alb"
  vpc_id = var.vpc_id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_lb" "api" {
  name               = "${local.name}-api"
  internal           = true
  load_balancer_type = "application"
  security_groups    = [aws_security_group.alb.id]
  subnets            = var.private_subnet_ids

  enable_deletion_protection = true
  access_logs {
    bucket  = aws_s3_bucket.data["alb-logs"].id
    enabled = true
  }
}

resource "aws_lb_target_group" "api" {
  name        = "${local.name}-api"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
}

resource "aws_lb_listener" "api" {
  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_security_group" "api" {
  name   = "${local.name}-api"
  vpc_id = var.vpc_id

  ingress {
    from_port       = 8000
    to_port         = 8000
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ecs_cluster" "api" {
  name = local.name
}

resource "aws_ecs_task_definition" "api" {
  family                   = "${local.name}-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 1024
  container_definitions = jsonencode([{
    name         = "api"
    image        = var.api_image
    portMappings = [{ containerPort = 8000 }]
    environment  = [{ name = "MODEL_BUCKET", value = aws_s3_bucket.data["pkl"].bucket }]
  }])
}

resource "aws_ecs_service" "api" {
  name            = "${local.name}-api"
  cluster         = aws_ecs_cluster.api.id
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.api.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_apigatewayv2_vpc_link" "api" {
  name               = local.name
  subnet_ids         = var.private_subnet_ids
  security_group_ids = [aws_security_group.alb.id]
}

resource "aws_apigatewayv2_api" "api" {
  name          = local.name
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "api" {
  api_id             = aws_apigatewayv2_api.api.id
  integration_type   = "HTTP_PROXY"
  integration_method = "ANY"
  integration_uri    = aws_lb_listener.api.arn
  connection_type    = "VPC_LINK"
  connection_id      = aws_apigatewayv2_vpc_link.api.id
}

# --- 6. Monitoring ------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/${local.name}-api"
  retention_in_days = 30
}
