//! The generic end-to-end check of every composite, on every Terraform on the machine (see
//! `blueprint_e2e::composite_check` for the steps). One test per composite so they run in
//! parallel; each loops over the Terraform versions.
//!
//! `expected_failures` lists what fails on today's composites (issue 15, "What a new user hits
//! today"): the check asserts each still fails, so remove an entry when its bug is fixed.

use anyhow::{anyhow, Result};
use blueprint_e2e::composite_case::children;
use blueprint_e2e::composite_check::{run_case, Case, CaseEnv, Expected, Step};
use blueprint_e2e::moto::MotoOptions;
use blueprint_e2e::tf_versions::for_each_terraform;
use serde_json::Value;

const PUBLIC_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCgZ3mCzt7RfOSGbNVBh2f501SCPPqB/ETXFYOMK7aeruEdCGfgXRwltAxK5AVBm1lMJVqMeFtyReITEsDMDoysj/6yYvogUVAVav4SrwCj5VKskPRXv/U4Lmue5lk64g2BXk28f2C04FCh6Jxo03Nk/ZiaLu4rmgsW2QsSrHUFaWiQYFgvZhZKJ+dBo8CQFF94eWYMiGzEJXCVMV2LuMNUibvle9anVLa0kELFj3J3E1tHUN95+ZgBZYNi3THnGiIeNxmkgg9La3q0A7lvPfMm4M0u9wUjtUW2XaQ3foJqVGQaAs5QUKfR7CPmgFuQhSA0lkCVX9FcR+PTb4pbzMs5 blueprint-test";

/// EC2 children get a `Name` (the console's display name) from the composite, not from `tags`.
const NAME_TAG: (&str, &str) = (
    "Name",
    "the display name the composite gives its EC2 children (NAME-sg, NAME-key, ...)",
);

fn string(values: &Value, attr: &str) -> Result<String> {
    values[attr]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("state attribute `{attr}` is not a string: {}", values[attr]))
}

fn children_of(type_name: &str) -> Vec<blueprint_e2e::composite_case::ChildRef> {
    children(type_name).unwrap_or_else(|| panic!("no children listed for {type_name}"))
}

/// A step that fails on every Terraform version today.
const fn fails(step: Step, child: Option<&'static str>, why: &'static str) -> Expected {
    Expected {
        step,
        child,
        version: None,
        why,
    }
}

fn check(case: &Case) {
    for_each_terraform(|tf| run_case(case, tf));
}

// ---------------------------------------------------------------- blueprint_state_backend

fn state_backend_config(_: &CaseEnv, tags: &str) -> String {
    format!(
        r#"
resource "blueprint_state_backend" "this" {{
  bucket                             = "generic-tfstate"
  noncurrent_version_expiration_days = 90
  locking                            = "dynamodb" # both children on every Terraform version
  tags = {tags}
}}
"#
    )
}

/// The documented id: `BUCKET,TABLE`.
fn state_backend_import_id(v: &Value) -> Result<String> {
    Ok(format!(
        "{},{}",
        string(v, "bucket")?,
        string(v, "lock_table")?
    ))
}

const STATE_BACKEND_EXPECTED: &[Expected] = &[fails(
    Step::TagsUpdated,
    Some("lock_table"),
    "issue 15, changes accepted then not made: the lock table keeps removed tags",
)];

#[test]
fn blueprint_state_backend_passes_the_generic_check() {
    check(&Case {
        type_name: "blueprint_state_backend",
        children: children_of("blueprint_state_backend"),
        moto: MotoOptions::default(),
        needs_platform: false,
        config: state_backend_config,
        import_id: state_backend_import_id,
        import_ignore: &[],
        extra_tag_keys: &[],
        expected_failures: STATE_BACKEND_EXPECTED,
    });
}

// ---------------------------------------------------------------------- blueprint_ml_host

fn ml_host_config(_: &CaseEnv, tags: &str) -> String {
    format!(
        r#"
resource "blueprint_ml_host" "this" {{
  name            = "generic-ml"
  image           = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
  ssh_public_key  = "{PUBLIC_KEY}"
  app_cidr_blocks = ["10.0.0.0/8"]
  tags = {tags}
}}
"#
    )
}

/// The documented id: the instance id.
fn ml_host_import_id(v: &Value) -> Result<String> {
    string(v, "instance_id")
}

const ML_HOST_EXPECTED: &[Expected] = &[
    fails(
        Step::PlanEmpty,
        None,
        "issue 15, ml_host with its defaults never converges: egress \"all 0-65535 0.0.0.0/0\" \
         is read back as \"all -1--1 0.0.0.0/0\"",
    ),
    fails(
        Step::ImportVerify,
        None,
        "issue 15, the same egress rule: import reads \"all -1--1 0.0.0.0/0\"",
    ),
    fails(
        Step::PlanEmptyAfterImport,
        None,
        "issue 15, the same egress rule",
    ),
    fails(
        Step::TagsApply,
        None,
        "issue 15, drift repair fails: `Opening Egress [\"all 0-65535 0.0.0.0/0\"]` \
         (InvalidPermission.Duplicate) on every apply that updates the host",
    ),
    fails(
        Step::DisappearsPlan,
        Some("security_group"),
        "the security group deleted out of band: read nulls security_group_id and the plan \
         is empty (nothing recreates it)",
    ),
    fails(
        Step::DisappearsRecreated,
        Some("security_group"),
        "the security group deleted out of band is not recreated",
    ),
    fails(
        Step::DisappearsRepair,
        Some("role"),
        "the role deleted out of band: apply fails (`Attaching ECR read-only`: NoSuchEntity, \
         and the egress rule of issue 15)",
    ),
    fails(
        Step::DisappearsRecreated,
        Some("role"),
        "the role deleted out of band is not recreated",
    ),
    fails(
        Step::DisappearsConverged,
        Some("role"),
        "the role deleted out of band: the plan stays non-empty",
    ),
    fails(
        Step::DisappearsRepair,
        Some("instance_profile"),
        "the instance profile deleted out of band: apply fails",
    ),
    fails(
        Step::DisappearsRecreated,
        Some("instance_profile"),
        "the instance profile deleted out of band is not recreated",
    ),
    fails(
        Step::DisappearsConverged,
        Some("instance_profile"),
        "the instance profile deleted out of band: the plan stays non-empty",
    ),
    fails(
        Step::DisappearsPlan,
        Some("key_pair"),
        "the key pair deleted out of band: the plan shows nothing new",
    ),
    fails(
        Step::DisappearsRepair,
        Some("key_pair"),
        "the key pair deleted out of band: apply fails (the egress rule of issue 15)",
    ),
    fails(
        Step::DisappearsRecreated,
        Some("key_pair"),
        "the key pair deleted out of band is not recreated",
    ),
    fails(
        Step::DisappearsConverged,
        Some("key_pair"),
        "the key pair deleted out of band: the plan stays non-empty",
    ),
    fails(
        Step::DisappearsConverged,
        Some("instance"),
        "issue 15, terminate the instance: it is replaced, and the next plan is still not empty",
    ),
    fails(
        Step::DisappearsRepair,
        Some("elastic_ip"),
        "issue 15, release its Elastic IP: `Provider returned invalid result object after \
         apply`",
    ),
    fails(
        Step::DisappearsRecreated,
        Some("elastic_ip"),
        "issue 15, the released Elastic IP is not allocated again",
    ),
    fails(
        Step::DisappearsConverged,
        Some("elastic_ip"),
        "issue 15, the released Elastic IP: the plan stays non-empty",
    ),
];

#[test]
fn blueprint_ml_host_passes_the_generic_check() {
    check(&Case {
        type_name: "blueprint_ml_host",
        children: children_of("blueprint_ml_host"),
        moto: MotoOptions::default(),
        needs_platform: false,
        config: ml_host_config,
        import_id: ml_host_import_id,
        import_ignore: &[],
        extra_tag_keys: &[
            NAME_TAG,
            (
                "blueprint:",
                "the provider's own markers, e.g. blueprint:retain on the Elastic IP \
                 (docs/resources/ml_host.md)",
            ),
        ],
        expected_failures: ML_HOST_EXPECTED,
    });
}

// --------------------------------------------------------------- blueprint_secure_service

fn secure_service_config(env: &CaseEnv, tags: &str) -> String {
    let Some(p) = &env.platform else {
        panic!("blueprint_secure_service needs the platform");
    };
    format!(
        r#"
resource "blueprint_secure_service" "this" {{
  name                  = "content"
  cluster               = "{cluster}"
  vpc_id                = "{vpc}"
  subnet_ids            = ["{s0}", "{s1}"]
  listener_arn          = "{listener}"
  alb_security_group_id = "{alb_sg}"
  path_patterns         = ["/content", "/content/*"]
  priority              = 10

  container {{
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/senas-content:1.0.0"
    port  = 3000
    environment = {{
      SERVICE = "content"
    }}
    secrets = {{
      DB_PASSWORD = "arn:aws:secretsmanager:us-east-1:123456789012:secret:senas-aurora-AbCdEf"
    }}
  }}

  autoscaling {{
    min = 1
    max = 4
  }}

  task_role_policy_statements = [
    {{
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::senas-content/*"]
    }},
  ]
  tags = {tags}
}}
"#,
        cluster = p.cluster,
        vpc = p.vpc,
        s0 = p.subnets[0],
        s1 = p.subnets[1],
        listener = p.listener,
        alb_sg = p.alb_sg,
    )
}

/// The documented id: `CLUSTER/SERVICE`.
fn secure_service_import_id(v: &Value) -> Result<String> {
    Ok(format!("{}/{}", string(v, "cluster")?, string(v, "name")?))
}

const TAGS_NOT_PROPAGATED: &str = "issue 15, changes accepted then not made: changing `tags` \
     reports 1 changed but the children keep the old tags";

const SECURE_SERVICE_EXPECTED: &[Expected] = &[
    fails(
        Step::TagsUpdated,
        Some("execution_role"),
        TAGS_NOT_PROPAGATED,
    ),
    fails(Step::TagsUpdated, Some("task_role"), TAGS_NOT_PROPAGATED),
    fails(
        Step::TagsUpdated,
        Some("security_group"),
        TAGS_NOT_PROPAGATED,
    ),
    fails(Step::TagsUpdated, Some("log_group"), TAGS_NOT_PROPAGATED),
    fails(Step::TagsUpdated, Some("target_group"), TAGS_NOT_PROPAGATED),
    fails(
        Step::TagsUpdated,
        Some("listener_rule"),
        TAGS_NOT_PROPAGATED,
    ),
    fails(
        Step::TagsUpdated,
        Some("task_definition"),
        TAGS_NOT_PROPAGATED,
    ),
    fails(Step::TagsUpdated, Some("service"), TAGS_NOT_PROPAGATED),
    fails(
        Step::DisappearsRecreated,
        Some("log_group"),
        "issue 15, a deleted log group is never recreated",
    ),
    fails(
        Step::DisappearsConverged,
        Some("log_group"),
        "issue 15, after the log group is deleted out of band apply succeeds and the next \
         plan is still not empty",
    ),
    fails(
        Step::DisappearsPlan,
        Some("task_definition"),
        "the task definition deregistered and deleted out of band: read does not see it \
         (the plan is empty)",
    ),
    fails(
        Step::DisappearsRecreated,
        Some("task_definition"),
        "the task definition deregistered out of band is not registered again",
    ),
];

#[test]
fn blueprint_secure_service_passes_the_generic_check() {
    check(&Case {
        type_name: "blueprint_secure_service",
        children: children_of("blueprint_secure_service"),
        moto: MotoOptions {
            ecs_service_running: 1,
            ..MotoOptions::default()
        },
        needs_platform: true,
        config: secure_service_config,
        import_id: secure_service_import_id,
        import_ignore: &[],
        extra_tag_keys: &[NAME_TAG],
        expected_failures: SECURE_SERVICE_EXPECTED,
    });
}
