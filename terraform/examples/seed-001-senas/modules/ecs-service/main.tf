# One Fargate service: task definition, scoped task role, target group and listener rule.

variable "name" { type = string }
variable "cluster_arn" { type = string }
variable "port" { type = number }
variable "cpu" { type = number }
variable "memory" { type = number }
variable "desired_count" { type = number }
variable "subnets" { type = list(string) }
variable "security_group_id" { type = string }
variable "vpc_id" { type = string }
variable "listener_arn" { type = string }
variable "path" { type = string }
variable "db_secret_arn" { type = string }
variable "table_arns" { type = list(string) }
variable "bucket_arns" { type = list(string) }
variable "queue_arns" { type = list(string) }
variable "topic_arns" { type = list(string) }

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

# "ECS Task Role (scoped)": no wildcards.
data "aws_iam_policy_document" "task" {
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
    resources = var.table_arns
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [for b in var.bucket_arns : "${b}/*"]
  }
  statement {
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = var.queue_arns
  }
  statement {
    actions   = ["sns:Publish"]
    resources = var.topic_arns
  }
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "task" {
  name   = "${var.name}-task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

resource "aws_cloudwatch_log_group" "service" {
  name              = "/ecs/${var.name}"
  retention_in_days = 30
}

resource "aws_ecs_task_definition" "service" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  container_definitions = jsonencode([{
    name         = var.name
    image        = "${var.name}:latest"
    portMappings = [{ containerPort = var.port }]
    environment  = [{ name = "PORT", value = tostring(var.port) }]
    secrets      = [{ name = "DB_CREDENTIALS", valueFrom = var.db_secret_arn }]
    logConfiguration = {
      logDriver = "awslogs"
      options   = { "awslogs-group" = aws_cloudwatch_log_group.service.name }
    }
  }])
}

resource "aws_lb_target_group" "service" {
  name        = var.name
  port        = var.port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
  health_check {
    path = "/health"
  }
}

resource "aws_lb_listener_rule" "service" {
  listener_arn = var.listener_arn
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service.arn
  }
  condition {
    path_pattern {
      values = [var.path]
    }
  }
}

resource "aws_ecs_service" "service" {
  name            = var.name
  cluster         = var.cluster_arn
  task_definition = aws_ecs_task_definition.service.arn
  desired_count   = var.desired_count
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = var.subnets
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.service.arn
    container_name   = var.name
    container_port   = var.port
  }
}
