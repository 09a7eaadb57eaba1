//! The generic end-to-end check of every composite, on every Terraform on the machine (see
//! `blueprint_e2e::composite_check` for the steps). One test per composite so they run in
//! parallel; each loops over the Terraform versions.
//!
//! `expected_failures` lists what fails on today's composites (issue 15, "What a new user hits
//! today"): the check asserts each still fails, so remove an entry when its bug is fixed.

use anyhow::{anyhow, Result};
use blueprint_e2e::aws::DriftChange;
use blueprint_e2e::composite_case::children;
use blueprint_e2e::composite_check::{run_case, Case, CaseEnv, Drift, Expected};
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

/// Every registered composite has its case below: a composite added to the registry without one
/// fails here (its case is a configuration and the import id; the children come from the
/// declaration).
#[test]
fn every_registered_composite_has_a_case() {
    let source = include_str!("composites.rs");
    for d in blueprint_declarations::composites::registry() {
        let case = format!("type_name: \"{}\",", d.type_name);
        assert!(
            source.contains(&case),
            "{} has no Case in tests/tests/e2e/composites.rs",
            d.type_name
        );
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
  # Import must read it back (issue 21: the plan after import flipped it to false).
  force_destroy                      = true
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

const STATE_BACKEND_EXPECTED: &[Expected] = &[];

const STATE_BACKEND_EXTRA_TAGS: &[(&str, &str)] = &[(
    "blueprint:",
    "the provider's own marker blueprint:owner on the bucket and the table \
     (docs/resources/state_backend.md)",
)];

#[test]
fn blueprint_state_backend_passes_the_generic_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_state_backend",
        children: children_of("blueprint_state_backend"),
        moto: MotoOptions::default(),
        needs_platform: false,
        config: state_backend_config,
        import_id: state_backend_import_id,
        import_ignore: &[],
        extra_tag_keys: STATE_BACKEND_EXTRA_TAGS,
        drifts: &[],
        expected_failures: STATE_BACKEND_EXPECTED,
    });
}

// ---------------------------------------------------------------------- blueprint_ml_host

fn ml_host_config(_: &CaseEnv, tags: &str) -> String {
    ml_host_with("", tags)
}

/// The host with its defaults (but an SSH key, so every child exists) plus `extra` lines.
fn ml_host_with(extra: &str, tags: &str) -> String {
    format!(
        r#"
resource "blueprint_ml_host" "this" {{
  name            = "generic-ml"
  image           = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest"
  ssh_public_key  = "{PUBLIC_KEY}"
  app_cidr_blocks = ["10.0.0.0/8"]
{extra}  tags = {tags}
}}
"#
    )
}

/// The documented id: the instance id.
fn ml_host_import_id(v: &Value) -> Result<String> {
    string(v, "instance_id")
}

/// Nothing fails: every child deleted out of band is planned, made again (the instance moved to
/// a new security group or instance profile, a role put back in its profile, a key pair
/// imported again under its name) and the next plan is empty.
const ML_HOST_EXPECTED: &[Expected] = &[];

const ML_HOST_EXTRA_TAGS: &[(&str, &str)] = &[
    NAME_TAG,
    (
        "blueprint:",
        "the provider's own markers, e.g. blueprint:retain on the Elastic IP \
         (docs/resources/ml_host.md)",
    ),
];

/// The defaults, as a new user writes them (with the all-traffic egress rule).
#[test]
fn blueprint_ml_host_passes_the_generic_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_ml_host",
        children: children_of("blueprint_ml_host"),
        moto: MotoOptions::default(),
        needs_platform: false,
        config: ml_host_config,
        import_id: ml_host_import_id,
        import_ignore: &[],
        extra_tag_keys: ML_HOST_EXTRA_TAGS,
        drifts: &[],
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

const SECURE_SERVICE_EXPECTED: &[Expected] = &[];

const SECURE_SERVICE_EXTRA_TAGS: &[(&str, &str)] = &[
    NAME_TAG,
    (
        "blueprint:",
        "the provider's own markers: blueprint:owner on every child (docs/resources/secure_service.md)",
    ),
];

#[test]
fn blueprint_secure_service_passes_the_generic_check() {
    check(&Case {
        variant: "",
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
        extra_tag_keys: SECURE_SERVICE_EXTRA_TAGS,
        drifts: &[],
        expected_failures: SECURE_SERVICE_EXPECTED,
    });
}

// ---------------------------------------------------------------------- blueprint_cluster

fn cluster_config(_: &CaseEnv, tags: &str) -> String {
    format!(
        r#"
resource "blueprint_cluster" "this" {{
  name = "generic-cluster"
  tags = {tags}
}}
"#
    )
}

/// The documented id: the cluster name.
fn cluster_import_id(v: &Value) -> Result<String> {
    string(v, "name")
}

/// The declared settings (a `dev` cluster: Container Insights off) and the owner tag (without
/// which a later import refuses the cluster).
const CLUSTER_DRIFTS: &[Drift] = &[
    Drift {
        child: "cluster",
        what: "container_insights",
        change: DriftChange::ContainerInsights(true),
    },
    Drift {
        child: "cluster",
        what: "owner_tag",
        change: DriftChange::EcsTag {
            key: "blueprint:owner",
            value: "blueprint_cluster/someone-else",
        },
    },
];

#[test]
fn blueprint_cluster_passes_the_generic_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_cluster",
        children: children_of("blueprint_cluster"),
        moto: MotoOptions::default(),
        needs_platform: false,
        config: cluster_config,
        import_id: cluster_import_id,
        import_ignore: &[],
        extra_tag_keys: &[(
            "blueprint:owner",
            "the provider's ownership marker (docs/resources/cluster.md)",
        )],
        drifts: CLUSTER_DRIFTS,
        expected_failures: &[],
    });
}

/// Issue 21: with `container_insights` unset, a profile change from `prod` to `dev` turns
/// Container Insights off (it follows the profile, not the prior state).
#[test]
fn blueprint_cluster_profile_change_moves_container_insights() {
    for_each_terraform(|tf| {
        let h = blueprint_e2e::Harness::start()?.on(tf);
        let config = |profile: &str| {
            format!(
                "resource \"blueprint_cluster\" \"this\" {{\n  name    = \"insights\"\n  profile = \"{profile}\"\n}}\n"
            )
        };
        let wd = h.workdir(&config("prod"))?;
        wd.init()?;
        wd.apply()?;
        let rt = tokio::runtime::Runtime::new()?;
        let insights = |on: bool| {
            rt.block_on(h.probe().drift_present(
                "aws_ecs_cluster",
                "insights",
                &DriftChange::ContainerInsights(on),
                &Value::Null,
            ))
        };
        assert!(insights(true)?, "prod: Container Insights on");
        h.rewrite(&wd, &config("dev"))?;
        wd.apply()?;
        assert!(insights(false)?, "dev: Container Insights off");
        let values = wd
            .state_values("blueprint_cluster.this")?
            .unwrap_or_default();
        assert_eq!(values["container_insights"], Value::Bool(false), "{values}");
        assert!(wd.plan_is_empty()?, "{}", wd.plan()?);
        wd.destroy()?;
        Ok(())
    });
}

// --------------------------------------------------------------------- blueprint_database

fn database_with(env: &CaseEnv, engine: &str, tags: &str) -> String {
    let Some(p) = &env.platform else {
        panic!("blueprint_database needs the platform");
    };
    // Import reads the subnets back from the subnet group, sorted; the configuration lists
    // them in the other order (as a network's output may), and the plan after import must
    // still be empty: `subnet_ids` is a set (issue 21).
    let mut subnets = p.subnets.clone();
    subnets.sort();
    subnets.reverse();
    format!(
        r#"
resource "blueprint_database" "this" {{
  name                       = "generic-db"
  profile                    = "dev"
{engine}  vpc_id                     = "{vpc}"
  subnet_ids                 = ["{s0}", "{s1}"]
  allowed_security_group_ids = ["{sg}"]
  tags = {tags}
}}
"#,
        vpc = p.vpc,
        s0 = subnets[0],
        s1 = subnets[1],
        sg = p.alb_sg,
    )
}

/// Aurora, with the reader dev leaves out, so that every Aurora child exists.
fn database_config(env: &CaseEnv, tags: &str) -> String {
    database_with(env, "  reader                     = true\n", tags)
}

/// RDS for PostgreSQL.
fn database_rds_config(env: &CaseEnv, tags: &str) -> String {
    database_with(env, "  engine                     = \"postgres\"\n", tags)
}

/// The documented id: the cluster or instance identifier, `name`.
fn database_import_id(v: &Value) -> Result<String> {
    string(v, "name")
}

/// The children of one engine (the other engine's are not made).
fn database_children(engine_children: &[&str]) -> Vec<blueprint_e2e::composite_case::ChildRef> {
    children_of("blueprint_database")
        .into_iter()
        .filter(|c| {
            ["subnet_group", "security_group"].contains(&c.name)
                || engine_children.contains(&c.name)
        })
        .collect()
}

const DATABASE_EXTRA_TAGS: &[(&str, &str)] = &[
    NAME_TAG,
    (
        "blueprint:",
        "the provider's own markers: blueprint:owner on every child, blueprint:profile on the \
         cluster (docs/resources/database.md)",
    ),
];

#[test]
fn blueprint_database_passes_the_generic_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_database",
        children: database_children(&["cluster", "writer", "reader"]),
        moto: MotoOptions::default(),
        needs_platform: true,
        config: database_config,
        import_id: database_import_id,
        import_ignore: &[],
        extra_tag_keys: DATABASE_EXTRA_TAGS,
        drifts: &[],
        expected_failures: &[],
    });
}

#[test]
fn blueprint_database_rds_passes_the_generic_check() {
    check(&Case {
        variant: "engine = postgres",
        type_name: "blueprint_database",
        children: database_children(&["instance"]),
        moto: MotoOptions::default(),
        needs_platform: true,
        config: database_rds_config,
        import_id: database_import_id,
        import_ignore: &[],
        extra_tag_keys: DATABASE_EXTRA_TAGS,
        drifts: &[],
        expected_failures: &[],
    });
}

// ---------------------------------------------------------------------- blueprint_network

/// The prod profile, so that every child exists (3 zones, a NAT gateway per zone, flow logs).
fn network_config(_: &CaseEnv, tags: &str) -> String {
    format!(
        r#"
resource "blueprint_network" "this" {{
  name    = "generic-net"
  profile = "prod"
  tags = {tags}
}}
"#
    )
}

/// The documented id: the VPC id.
fn network_import_id(v: &Value) -> Result<String> {
    string(v, "vpc_id")
}

const NETWORK_EXTRA_TAGS: &[(&str, &str)] = &[
    NAME_TAG,
    (
        "blueprint:",
        "the provider's own markers: blueprint:owner on every child, blueprint:profile on the \
         VPC (docs/resources/network.md)",
    ),
];

const NETWORK_EXPECTED: &[Expected] = &[];

/// What the doc guarantees of the tiers: the database route table has no route out of the VPC,
/// a private table none to the internet gateway, private and database subnets map no public
/// IP on launch.
const NETWORK_DRIFTS: &[Drift] = &[
    Drift {
        child: "database_route_table",
        what: "default_route_to_internet",
        change: DriftChange::RouteToGateway {
            destination: "0.0.0.0/0",
            gateway_attr: "internet_gateway_id",
        },
    },
    Drift {
        child: "private_route_tables",
        what: "route_to_internet",
        change: DriftChange::RouteToGateway {
            destination: "198.51.100.0/24",
            gateway_attr: "internet_gateway_id",
        },
    },
    Drift {
        child: "private_subnets",
        what: "map_public_ip_on_launch",
        change: DriftChange::MapPublicIpOnLaunch(true),
    },
    Drift {
        child: "database_subnets",
        what: "map_public_ip_on_launch",
        change: DriftChange::MapPublicIpOnLaunch(true),
    },
];

#[test]
fn blueprint_network_passes_the_generic_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_network",
        children: children_of("blueprint_network"),
        moto: MotoOptions::default(),
        needs_platform: false,
        config: network_config,
        import_id: network_import_id,
        import_ignore: &[],
        extra_tag_keys: NETWORK_EXTRA_TAGS,
        drifts: NETWORK_DRIFTS,
        expected_failures: NETWORK_EXPECTED,
    });
}

// ------------------------------------------------------------- blueprint_data_pipeline

/// The code of the case's stage: a real zip (moto unpacks it), written once per machine.
fn data_pipeline_zip() -> String {
    let path = std::env::temp_dir().join("blueprint-generic-data-pipeline.zip");
    if !path.exists() {
        let status = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('main.py', 'def handler(event, context):\\n    return 1\\n')",
            ])
            .arg(&path)
            .status()
            .expect("python3 runs");
        assert!(status.success(), "writing {}", path.display());
    }
    path.display().to_string()
}

/// One bucket and one stage triggered by it, so every child kind exists once.
fn data_pipeline_config(_: &CaseEnv, tags: &str) -> String {
    format!(
        r#"
resource "blueprint_data_pipeline" "this" {{
  name = "generic-pipe"

  bucket {{
    suffix                  = "data"
    purpose                 = "raw and processed files"
    glacier_transition_days = 30
  }}

  stage {{
    name     = "etl"
    runtime  = "python3.12"
    handler  = "main.handler"
    filename = "{zip}"
    reads    = [{{ bucket = "data", prefix = "in/" }}]
    writes   = [{{ bucket = "data", prefix = "out/" }}]
    trigger  = {{ bucket = "data", prefix = "in/", suffix = ".csv" }}
  }}
  tags = {tags}
}}
"#,
        zip = data_pipeline_zip()
    )
}

/// The documented id: the pipeline's name.
fn data_pipeline_import_id(v: &Value) -> Result<String> {
    string(v, "name")
}

/// The declaration's rows keep their ids in maps (by bucket suffix, by stage); with one bucket
/// and one stage each row is one child, whose id (as terraform-provider-aws names it) follows
/// from the pipeline's name.
fn data_pipeline_children() -> Vec<blueprint_e2e::composite_case::ChildRef> {
    let ids = [
        ("buckets", "{name}-data"),
        ("log_groups", "/aws/lambda/{name}-etl"),
        ("dead_letter_queues", "{name}-etl-dlq"),
        ("roles", "{name}-etl"),
        ("functions", "{name}-etl"),
        ("permissions", "{name}-etl/blueprint-s3-trigger"),
        ("notifications", "{name}-data"),
    ];
    children_of("blueprint_data_pipeline")
        .into_iter()
        .map(|c| {
            let id = ids
                .iter()
                .find(|(n, _)| *n == c.name)
                .unwrap_or_else(|| panic!("no id for child {}", c.name));
            blueprint_e2e::composite_case::ChildRef { id_attr: id.1, ..c }
        })
        .collect()
}

const DATA_PIPELINE_EXTRA_TAGS: &[(&str, &str)] = &[(
    "blueprint:",
    "the provider's own markers: blueprint:owner on every child, blueprint:purpose on a bucket, \
     blueprint:code on a function (docs/resources/data_pipeline.md)",
)];

/// The function's declared settings: environment, timeout, memory.
const DATA_PIPELINE_DRIFTS: &[Drift] = &[
    Drift {
        child: "functions",
        what: "environment",
        change: DriftChange::LambdaVariable {
            key: "DB_PASSWORD",
            value: "out-of-band-secret-value",
        },
    },
    Drift {
        child: "functions",
        what: "timeout",
        change: DriftChange::LambdaTimeout(600),
    },
    Drift {
        child: "functions",
        what: "memory_size",
        change: DriftChange::LambdaMemory(2048),
    },
];

#[test]
fn blueprint_data_pipeline_passes_the_generic_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_data_pipeline",
        children: data_pipeline_children(),
        moto: MotoOptions::default(),
        needs_platform: false,
        config: data_pipeline_config,
        import_id: data_pipeline_import_id,
        import_ignore: &[],
        extra_tag_keys: DATA_PIPELINE_EXTRA_TAGS,
        drifts: DATA_PIPELINE_DRIFTS,
        expected_failures: &[],
    });
}

// ------------------------------------------------------------- blueprint_load_balancer

fn load_balancer_config(env: &CaseEnv, tags: &str) -> String {
    let Some(p) = &env.platform else {
        panic!("blueprint_load_balancer needs the platform's VPC and subnets");
    };
    // Access logs on, so every child exists (the self-signed certificate and the log bucket
    // too); `dev`, so deletion protection is off and destroy works. Import infers the profile
    // from protection and logs (documented), which gives back exactly this.
    format!(
        r#"
resource "blueprint_load_balancer" "this" {{
  name                = "generic-lb"
  access_logs         = true
  vpc_id              = "{vpc}"
  public_subnet_ids   = ["{s0}", "{s1}"]
  domain_name         = "generic.example.org"
  tags = {tags}
}}
"#,
        vpc = p.vpc,
        s0 = p.subnets[0],
        s1 = p.subnets[1],
    )
}

/// The documented id: the load balancer's ARN.
fn load_balancer_import_id(v: &Value) -> Result<String> {
    string(v, "arn")
}

const LOAD_BALANCER_EXTRA_TAGS: &[(&str, &str)] = &[
    NAME_TAG,
    (
        "blueprint:",
        "the ownership tag blueprint:owner = blueprint_load_balancer/NAME on every child \
         (children/ownership.rs, docs/resources/load_balancer.md)",
    ),
];

#[test]
fn blueprint_load_balancer_passes_the_generic_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_load_balancer",
        children: children_of("blueprint_load_balancer"),
        moto: MotoOptions::default(),
        needs_platform: true,
        config: load_balancer_config,
        import_id: load_balancer_import_id,
        import_ignore: &[],
        extra_tag_keys: LOAD_BALANCER_EXTRA_TAGS,
        drifts: &[],
        expected_failures: &[],
    });
}

// ------------------------------------------------------------- blueprint_host_group

/// Two hosts, `app` connecting to `cache`'s Redis, so every child kind exists twice and one
/// derived rule names the other host's group.
fn host_group_config(env: &CaseEnv, tags: &str) -> String {
    let Some(p) = &env.platform else {
        panic!("blueprint_host_group needs the platform's VPC and subnets");
    };
    format!(
        r#"
resource "blueprint_host_group" "this" {{
  name   = "generic-hosts"
  vpc_id = "{vpc}"

  host {{
    name          = "app"
    instance_type = "t3.micro"
    volume_size   = 8
    subnet_id     = "{s0}"
    connects_to   = [{{ host = "cache", service = "redis" }}]
    commands      = ["echo app"]
    secret_environment = {{
      REDIS_PASSWORD = "arn:aws:ssm:us-east-1:123456789012:parameter/generic/redis"
    }}
  }}
  host {{
    name          = "cache"
    instance_type = "t3.micro"
    volume_size   = 8
    subnet_id     = "{s1}"
    serves        = [{{ name = "redis", port = 6379, protocol = "tcp" }}]
    packages      = ["redis6"]
  }}
  tags = {tags}
}}
"#,
        vpc = p.vpc,
        s0 = p.subnets[0],
        s1 = p.subnets[1],
    )
}

/// The rows keep their ids in maps by host; roles and profiles are named `NAME-HOST`.
fn host_group_children() -> Vec<blueprint_e2e::composite_case::ChildRef> {
    children_of("blueprint_host_group")
        .into_iter()
        .map(|c| match c.name {
            "roles" | "instance_profiles" => blueprint_e2e::composite_case::ChildRef {
                id_attr: "{name}-app,{name}-cache",
                ..c
            },
            _ => c,
        })
        .collect()
}

// ------------------------------------------------------------- blueprint_data_stores

fn data_stores_config(_: &CaseEnv, tags: &str) -> String {
    // One store of each kind (each row is then one child; the bucket stays empty, so no
    // `force_destroy` is needed to delete it).
    format!(
        r#"
resource "blueprint_data_stores" "this" {{
  name = "generic-ds"
  table {{
    key = "t"
  }}
  bucket {{
    key = "b"
  }}
  queue {{
    key = "q"
  }}
  topic {{
    key = "n"
  }}
  tags = {tags}
}}
"#
    )
}

fn data_stores_import_id(v: &Value) -> Result<String> {
    string(v, "name")
}

/// The rows keep their ids in maps by key; with one block of each kind each row is one child,
/// named from the resource's name (the probe takes a queue's or a topic's name for its id).
fn data_stores_children() -> Vec<blueprint_e2e::composite_case::ChildRef> {
    let ids = [
        ("tables", "{name}-t"),
        ("buckets", "{name}-b"),
        ("dead_letter_queues", "{name}-q-dlq"),
        ("queues", "{name}-q"),
        ("topics", "{name}-n"),
    ];
    children_of("blueprint_data_stores")
        .into_iter()
        .map(|c| {
            let id = ids
                .iter()
                .find(|(n, _)| *n == c.name)
                .unwrap_or_else(|| panic!("no id for child {}", c.name));
            blueprint_e2e::composite_case::ChildRef { id_attr: id.1, ..c }
        })
        .collect()
}

fn host_group_import_id(v: &Value) -> Result<String> {
    string(v, "name")
}

const HOST_GROUP_EXTRA_TAGS: &[(&str, &str)] = &[
    NAME_TAG,
    (
        "blueprint:",
        "the provider's own markers: blueprint:owner on every child, the host's record for import (blueprint:host:N) on its security group (docs/resources/host_group.md)",
    ),
];

#[test]
fn blueprint_host_group_passes_the_generic_check() {
    // Two instances, two roles...: the probe's steps on the joined ids go deeper than a test
    // thread's default 2 MiB stack in a debug build (measured: it overflowed at the instances'
    // out-of-band deletion; passes with 32 MiB).
    let run = std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(host_group_check)
        .expect("a thread for the check");
    if let Err(panic) = run.join() {
        std::panic::resume_unwind(panic);
    }
}

fn host_group_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_host_group",
        children: host_group_children(),
        moto: MotoOptions::default(),
        needs_platform: true,
        config: host_group_config,
        import_id: host_group_import_id,
        import_ignore: &[],
        extra_tag_keys: HOST_GROUP_EXTRA_TAGS,
        drifts: &[],
        expected_failures: &[],
    });
}

#[test]
fn blueprint_data_stores_passes_the_generic_check() {
    check(&Case {
        variant: "",
        type_name: "blueprint_data_stores",
        children: data_stores_children(),
        moto: MotoOptions::default(),
        needs_platform: false,
        config: data_stores_config,
        import_id: data_stores_import_id,
        import_ignore: &[],
        extra_tag_keys: &[(
            "blueprint:",
            "the provider's own marker: blueprint:owner on every child",
        )],
        drifts: &[],
        expected_failures: &[],
    });
}
