//! `blueprint_secure_service`, declared.

use std::sync::OnceLock;

use crate::checks::image_reference;
use crate::{Attr, Block, Check, Child, Declaration, Default, Nesting, Type};

#[path = "secure_service_expand.rs"]
mod expand;
#[path = "secure_service_uses.rs"]
pub mod uses;

fn service_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= MAX_NAME_LEN
        && !n.starts_with('-')
        && !n.ends_with('-')
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("name \"{n}\" must be 1 to {} letters, digits or '-', not starting or ending with '-' (it names the target group, `NAME-tg`, limited to 32 characters).", MAX_NAME_LEN))
    }
}

fn cluster(c: &str) -> Result<(), String> {
    if c.starts_with("arn:") {
        return crate::types::arn::Arn::parse_kind(
            c,
            "ecs",
            "cluster/",
            "an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)",
        )
        .map(|_| ())
        .map_err(|e| format!("{e}."));
    }
    let ok = !c.is_empty()
        && c.len() <= 255
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{c}\" is not an ECS cluster name (1 to 255 letters, digits, '-' or '_') or ARN."
        ))
    }
}

fn url_path(p: &str) -> Result<(), String> {
    if p.starts_with('/') && p.len() <= 128 {
        Ok(())
    } else {
        Err(format!(
            "\"{p}\" must start with '/' (and be at most 128 characters)."
        ))
    }
}

/// Longest name: the target group's name (`NAME-tg`) must fit in 32 characters.
pub const MAX_NAME_LEN: usize = 29;
/// Retention values CloudWatch Logs accepts.
pub const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The most tasks one service may run (the Fargate per-service quota).
pub const MAX_TASKS: i64 = 5000;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_secure_service",
        version: 1,
        description: "Seed 001's ECS Fargate service behind a shared Application Load Balancer: private subnets, no public IP, reachable only from the ALB's security group, exact IAM policies (no wildcards), logs, health check and optional target-tracking autoscaling (CPU 70 %, memory 80 %). The secure shape is the only shape: there is no public-IP switch, no CIDR ingress, and a wildcard IAM statement fails the plan.",
        attrs: vec![
            Attr::string("id", "`CLUSTER/SERVICE`; the import id.").computed(),
            Attr::string("name", "Service name; prefixes its roles, security group, target group and log group.")
                .required().replaces().check(Check::Custom { describe: "1 to 29 letters, digits, `-`", check: service_name }),
            Attr::string("cluster", "ECS cluster name or ARN.")
                .required().replaces().check(Check::Custom { describe: "cluster name or ARN", check: cluster }),
            Attr::string("vpc_id", "VPC of the ALB and the tasks.")
                .required().replaces().check(Check::Id("vpc-")),
            Attr::strings("subnet_ids", "Private subnets for the tasks (they never get a public IP).")
                .required().check(Check::Len(1, 16)).check(Check::each(Check::Id("subnet-"))).check(Check::Distinct),
            Attr::string("listener_arn", "Listener of the shared ALB (HTTPS); its region and account scope the log permission.")
                .required().replaces()
                .check(Check::Arn { service: "elasticloadbalancing", prefix: "listener/", wanted: "the ARN of an ALB listener (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/...)" }),
            Attr::string("alb_security_group_id", "The ALB's security group: the only source the service admits, on the container port.")
                .required().check(Check::GroupId),
            Attr::strings("additional_security_group_ids", "More security groups the tasks carry, e.g. `blueprint_database`'s `client_security_group_id` to reach the database. They add where the tasks may go; what reaches the tasks is still only the ALB (the service's own group).")
                .default(Default::EmptyList).check(Check::Len(0, 4)).check(Check::each(Check::GroupId)),
            Attr::strings("path_patterns", "Path patterns routed to the service, e.g. `[\"/content\", \"/content/*\"]`.")
                .required().check(Check::Len(1, 5)).check(Check::each(Check::Custom { describe: "starts with `/`", check: url_path })),
            Attr::number("priority", "Listener rule priority, unique on the listener.")
                .required().check(Check::Range(1, 50000)),
            Attr::string("health_check_path", "Target group health check path.")
                .default(Default::String("/health")).check(Check::Custom { describe: "starts with `/`", check: url_path }),
            Attr::number("desired_count", "Number of tasks (with autoscaling: `autoscaling.min`).")
                .optional_computed().default(Default::Derived("`1`, or `autoscaling.min`")).check(Check::Range(0, MAX_TASKS)),
            Attr::of("task_role_policy_statements", Type::List(Box::new(Type::Object(vec![("actions", Type::strings()), ("resources", Type::strings())]))),
                "The task role's permissions: a list of `{ actions, resources }`. Any wildcard in an action (`s3:*`, `s3:Get*`), a `*` resource, or a wildcard in a resource's partition, region, account or name (`arn:aws:s3:::*`, `arn:aws:iam::*:role/*`) fails the plan (seed 001: no wildcards); `arn:aws:s3:::bucket/*` names objects inside one bucket and is accepted."),
            Attr::string_map("data_stores", "The stores `uses` may name: key to ARN, typically a `blueprint_data_stores`'s `arns` (`table/UserProgress`, `bucket/user-uploads`, `queue/video-processing`, `topic/achievement-notifs`). A `uses` naming a key not here fails the plan on `uses[i].store`.")
                .check(Check::Keys(Box::new(Check::Len(1, 256)))),
            Attr::number("log_retention_days", "Log retention in days.")
                .default(Default::Number(30)).check(Check::OneOfNumbers(RETENTION_DAYS)),
            Attr::string_map("tags", "Tags of every child.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`; every child carries exactly these.").computed(),
            Attr::string("service_arn", "ECS service ARN.").computed(),
            Attr::string("task_definition_arn", "Current task definition revision.").computed(),
            Attr::string("security_group_id", "The service's security group.").computed(),
            Attr::string("target_group_arn", "Target group (type ip).").computed(),
            Attr::string("listener_rule_arn", "Listener rule.").computed(),
            Attr::string("task_role_arn", "Task role ARN.").computed(),
            Attr::string("execution_role_arn", "Execution role ARN.").computed(),
            Attr::string("log_group_name", "Log group (`/ecs/NAME`).").computed(),
            Attr::string("scalable_target_id", "The scalable target of the service's desired count (`service/CLUSTER/NAME`); null without `autoscaling`.").computed(),
            Attr::string("cpu_policy_arn", "The CPU target-tracking policy; null without `autoscaling`.").computed(),
            Attr::string("memory_policy_arn", "The memory target-tracking policy; null without `autoscaling`.").computed(),
            Attr::of("ingress_rules", Type::strings(), "Observed ingress rules of the service's security group; anything but the ALB's rule is removed by the next apply.").computed(),
            Attr::string_map("role_policies", "Observed role policies (`ROLE/POLICY` to document; `ROLE/attached:ARN` for a managed policy attached out of band); a change made out of band is reverted by the next apply.").computed(),
        ],
        blocks: vec![
            Block {
                name: "container",
                description: "The one container of the task.",
                nesting: Nesting::Single,
                replaces: false,
                attrs: vec![
                    Attr::string("image", "Image, e.g. `ACCOUNT.dkr.ecr.REGION.amazonaws.com/senas-content:1.4`; a change registers a new task definition revision and updates the service in place.")
                        .required().check(Check::Custom { describe: "image reference", check: image_reference }),
                    Attr::number("port", "Container port: the target group's port and the only port the ALB may reach (changing it replaces the service).")
                        .required().check(Check::Range(1, 65535)),
                    Attr::number("cpu", "Task CPU units; with `memory`, a Fargate task size.")
                        .default(Default::Number(256)).check(Check::OneOfNumbers(&[256, 512, 1024, 2048, 4096, 8192, 16384])),
                    Attr::number("memory", "Task memory in MiB; with `cpu`, a Fargate task size.")
                        .default(Default::Number(512)).check(Check::Range(512, 122880)),
                    Attr::string_map("environment", "Plain environment. Never secrets (a token-like value fails the plan, `ecs-plaintext-secrets`): use `secrets`."),
                    Attr::string_map("secrets", "Secret environment: variable name to the ARN of a Secrets Manager secret or SSM parameter. The execution role may read exactly these.")
                        .check(Check::each(Check::SecretArn)),
                ],
            },
            Block {
                name: "uses",
                description: "What the service uses; its task role gets exactly the actions each use needs on exactly that store, one statement per use (least privilege, no wildcard action or resource, each statement passing the same IAM checks as `task_role_policy_statements`). Table: `read` (`GetItem`, `Query`, `BatchGetItem`, `DescribeTable`), `write` (`PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`) or `read_write`, on the table and its indexes. Bucket: `read` (`GetObject`; `ListBucket` on the bucket only without `prefix`), `write` (`PutObject`, `AbortMultipartUpload`) or `read_write`, on the objects under `prefix`. Queue: `send` or `consume` (receive, delete, change visibility). Topic: `publish`. An access the store's kind does not have (`write` to a topic, `publish` to a table) fails the plan on `uses[i].access`.",
                nesting: Nesting::List,
                replaces: false,
                attrs: vec![
                    Attr::string("store", "A key of `data_stores` (`table/UserProgress`), or the ARN of one DynamoDB table, S3 bucket, SQS queue or SNS topic.")
                        .required().check(Check::Len(1, 2048)),
                    Attr::string("access", "`read`, `write`, `read_write` (tables, buckets), `send`, `consume` (queues) or `publish` (topics).")
                        .required().check(Check::OneOf(uses::ACCESSES)),
                    Attr::string("prefix", "Buckets only: the key prefix the access is limited to (`uploads/`); no wildcard, no leading `/`."),
                ],
            },
            Block {
                name: "autoscaling",
                description: "Target tracking on CPU and memory (seed 001: CPU 70 %, memory 80 %).",
                nesting: Nesting::Optional,
                replaces: false,
                attrs: vec![
                    Attr::number("min", "Fewest tasks.").required().check(Check::Range(0, MAX_TASKS)),
                    Attr::number("max", "Most tasks.").required().check(Check::Range(1, MAX_TASKS)),
                    Attr::number("cpu_target", "Average CPU to track, percent.").default(Default::Number(70)).check(Check::Range(1, 100)),
                    Attr::number("memory_target", "Average memory to track, percent.").default(Default::Number(80)).check(Check::Range(1, 100)),
                ],
            },
        ],
        children: vec![
            Child::new("execution_role", "aws_iam_role", "execution_role_arn")
                .how("`NAME-execution`, one inline policy: pull exactly the image's ECR repository (plus `ecr:GetAuthorizationToken`, which has no resource-level permissions), write exactly its log group, read exactly the listed secrets; no managed policy (`AmazonECSTaskExecutionRolePolicy` grants `*` resources)"),
            Child::new("task_role", "aws_iam_role", "task_role_arn")
                .how("`NAME-task`, one inline policy with exactly `task_role_policy_statements` and the statements derived from `uses`"),
            Child::new("security_group", "aws_security_group", "security_group_id")
                .how("`NAME-service`: one ingress rule, the container port from `alb_security_group_id`"),
            Child::new("log_group", "aws_cloudwatch_log_group", "log_group_name")
                .how("`/ecs/NAME`, retention `log_retention_days`"),
            Child::new("target_group", "aws_lb_target_group", "target_group_arn")
                .how("`NAME-tg`, type `ip`, HTTP on the container port, health check on `health_check_path`"),
            Child::new("listener_rule", "aws_lb_listener_rule", "listener_rule_arn")
                .after(&["target_group"]).how("`path_patterns` at `priority`, forwarded to the target group"),
            Child::new("task_definition", "aws_ecs_task_definition", "task_definition_arn")
                .after(&["execution_role", "task_role", "log_group"]).how("Fargate, `awsvpc`, the container with its port, environment, secrets (`valueFrom`), `awslogs`; a new revision (a changed container, or one deregistered out of band) is rolled into the service"),
            Child::new("service", "aws_ecs_service", "service_arn")
                .after(&["security_group", "listener_rule", "task_definition"]).replace_when_gone()
                .how("Fargate in `subnet_ids`, `assignPublicIp = DISABLED`, behind the target group, circuit breaker with rollback, waited on until stable"),
            Child::new("scalable_target", "aws_appautoscaling_target", "scalable_target_id")
                .aws_id("ecs/{scalable_target_id}/ecs:service:DesiredCount")
                .after(&["service"]).optional().how("the service's desired count between `autoscaling.min` and `autoscaling.max`; only with `autoscaling`"),
            Child::new("cpu_policy", "aws_appautoscaling_policy", "cpu_policy_arn")
                .aws_id("ecs/{scalable_target_id}/ecs:service:DesiredCount/{name}-cpu")
                .after(&["scalable_target"]).optional().how("`NAME-cpu`, target tracking of average CPU at `autoscaling.cpu_target`; only with `autoscaling`"),
            Child::new("memory_policy", "aws_appautoscaling_policy", "memory_policy_arn")
                .aws_id("ecs/{scalable_target_id}/ecs:service:DesiredCount/{name}-memory")
                .after(&["scalable_target"]).optional().how("`NAME-memory`, target tracking of average memory at `autoscaling.memory_target`; only with `autoscaling`"),
        ],
        import_id: "CLUSTER/SERVICE",
        example: r#"resource "blueprint_secure_service" "content" {
  name                  = "content"
  cluster               = "senas"
  vpc_id                = var.vpc_id
  subnet_ids            = var.private_subnet_ids
  listener_arn          = var.https_listener_arn
  alb_security_group_id = var.alb_security_group_id
  path_patterns         = ["/content", "/content/*"]
  priority              = 10

  container {
    image = "123456789012.dkr.ecr.us-east-2.amazonaws.com/senas-content:1.4.0"
    port  = 3000
    secrets = {
      DB_PASSWORD = "arn:aws:secretsmanager:us-east-2:123456789012:secret:senas-aurora-AbCdEf"
    }
  }

  autoscaling {
    min = 1
    max = 4
  }

  # Typically `data_stores = blueprint_data_stores.senas.arns` and `store = "table/UserProgress"`.
  uses {
    store  = "arn:aws:s3:::senas-user-uploads"
    access = "write"
    prefix = "uploads/"
  }

  task_role_policy_statements = [
    {
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::senas-content-videos/*"]
    },
  ]
}"#,
        notes: include_str!("secure_service_notes.md"),
        expand: expand::expand,
    })
}
