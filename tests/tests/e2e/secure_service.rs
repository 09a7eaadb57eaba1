//! `blueprint_secure_service` end to end: real Terraform against moto. The shared ALB, its
//! listener, the VPC and the cluster are made through the SDK first ([`platform`]), as the
//! "existing" infrastructure the service plugs into.

use blueprint_e2e::aws::AwsProbe;
use blueprint_e2e::fault_sweep::{self, Sweep};
use blueprint_e2e::moto::MotoOptions;
use blueprint_e2e::platform::{self, Platform as Infra};
use blueprint_e2e::tf_versions::{self, for_each_terraform, TerraformBin};
use blueprint_e2e::Harness;

const ACCOUNT: &str = "123456789012";
const DB_SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:senas-aurora-AbCdEf";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn start(proxy: bool) -> (Harness, Infra) {
    start_on(tf_versions::pinned().unwrap(), proxy)
}

fn start_on(tf: &'static TerraformBin, proxy: bool) -> (Harness, Infra) {
    let h = Harness::start_with(
        MotoOptions {
            ecs_service_running: 1,
            ..MotoOptions::default()
        },
        proxy,
    )
    .unwrap()
    .on(tf);
    let infra = platform::make_blocking(&h.probe()).unwrap();
    (h, infra)
}

/// One service of seed 001.
struct Svc<'a> {
    name: &'a str,
    port: u32,
    priority: u32,
    image_tag: &'a str,
    extra: &'a str,
}

fn service(infra: &Infra, s: &Svc<'_>) -> String {
    format!(
        r#"
resource "blueprint_secure_service" "{name}" {{
  name                  = "{name}"
  cluster               = "{cluster}"
  vpc_id                = "{vpc}"
  subnet_ids            = ["{s0}", "{s1}"]
  listener_arn          = "{listener}"
  alb_security_group_id = "{alb_sg}"
  path_patterns         = ["/{name}", "/{name}/*"]
  priority              = {priority}

  container {{
    image = "{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/senas-{name}:{tag}"
    port  = {port}
    environment = {{
      SERVICE = "{name}"
    }}
  }}
{extra}
}}
"#,
        name = s.name,
        cluster = infra.cluster,
        vpc = infra.vpc,
        s0 = infra.subnets[0],
        s1 = infra.subnets[1],
        listener = infra.listener,
        alb_sg = infra.alb_sg,
        priority = s.priority,
        port = s.port,
        tag = s.image_tag,
        extra = s.extra,
    )
}

const USERS_EXTRA: &str = r#"
  task_role_policy_statements = [
    {
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
      resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/UserData"]
    },
  ]
"#;

fn seed_001(infra: &Infra, content_tag: &str) -> String {
    let content_extra = r#"
  task_role_policy_statements = [
    {
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::senas-content/*"]
    },
  ]
  autoscaling {
    min = 1
    max = 4
  }
"#;
    let users_extra =
        format!("{USERS_EXTRA}\n  # Database credentials come from Secrets Manager (seed 001).\n");
    let ml_extra = r#"
  health_check_path = "/ml/health"
  task_role_policy_statements = [
    {
      actions   = ["sqs:SendMessage"]
      resources = ["arn:aws:sqs:us-east-1:123456789012:senas-inference"]
    },
  ]
"#;
    let mut cfg = service(
        infra,
        &Svc {
            name: "content",
            port: 3000,
            priority: 10,
            image_tag: content_tag,
            extra: content_extra,
        },
    );
    cfg += &service(
        infra,
        &Svc {
            name: "users",
            port: 3001,
            priority: 20,
            image_tag: "1.0.0",
            extra: &users_extra,
        },
    )
    .replace(
        "      SERVICE = \"users\"\n    }\n",
        &format!("      SERVICE = \"users\"\n    }}\n    secrets = {{\n      DB_PASSWORD = \"{DB_SECRET}\"\n    }}\n"),
    );
    cfg += &service(
        infra,
        &Svc {
            name: "ml",
            port: 8000,
            priority: 30,
            image_tag: "1.0.0",
            extra: ml_extra,
        },
    );
    cfg
}

/// Every action and resource of every inline policy of `role`, decoded.
async fn role_statements(probe: &AwsProbe, role: &str) -> Vec<serde_json::Value> {
    let iam = probe.iam();
    let mut out = Vec::new();
    let names = iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    for name in names.policy_names() {
        let doc = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .unwrap();
        let text = percent_decode(doc.policy_document());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        out.extend(v["Statement"].as_array().unwrap().iter().cloned());
    }
    out
}

fn percent_decode(s: &str) -> String {
    if s.trim_start().starts_with('{') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn as_strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn seed_001_services_apply_import_update_drift_destroy() {
    for_each_terraform(|tf| {
        let (h, infra) = start_on(tf, false);
        let wd = h.workdir(&seed_001(&infra, "1.0.0")).unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert!(
            !plan.all_output().contains("Warning:"),
            "the secure shape warns about nothing: {plan}"
        );
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        let applied = wd.state_resources().unwrap();
        assert_eq!(applied.len(), 3);

        let probe = h.probe();
        for (_, v) in &applied {
            let name = v["name"].as_str().unwrap().to_string();
            let port = v["container"]["port"].as_i64().unwrap();
            assert_eq!(v["id"], format!("senas/{name}"));
            assert_eq!(
                v["ingress_rules"],
                serde_json::json!([format!("tcp {port}-{port} {}", infra.alb_sg)])
            );
            rt().block_on(async {
                // The service security group admits only the ALB's group, on the container port.
                let sg = v["security_group_id"].as_str().unwrap();
                let out = probe
                    .ec2()
                    .describe_security_groups()
                    .group_ids(sg)
                    .send()
                    .await
                    .unwrap();
                let perms = out.security_groups()[0].ip_permissions();
                assert_eq!(perms.len(), 1, "{perms:?}");
                assert_eq!(perms[0].from_port(), Some(port as i32));
                assert_eq!(perms[0].to_port(), Some(port as i32));
                assert!(perms[0].ip_ranges().is_empty() && perms[0].ipv6_ranges().is_empty());
                let groups: Vec<&str> = perms[0]
                    .user_id_group_pairs()
                    .iter()
                    .filter_map(|g| g.group_id())
                    .collect();
                assert_eq!(groups, [infra.alb_sg.as_str()]);

                // The tasks get no public IP, in the given private subnets, behind the target group.
                let svc = probe
                    .ecs()
                    .describe_services()
                    .cluster("senas")
                    .services(&name)
                    .send()
                    .await
                    .unwrap();
                let svc = &svc.services()[0];
                let net = svc
                    .network_configuration()
                    .unwrap()
                    .awsvpc_configuration()
                    .unwrap();
                assert_eq!(
                    net.assign_public_ip(),
                    Some(&aws_sdk_ecs::types::AssignPublicIp::Disabled)
                );
                let mut subnets = net.subnets().to_vec();
                subnets.sort();
                let mut want = infra.subnets.clone();
                want.sort();
                assert_eq!(subnets, want);
                assert_eq!(
                    svc.load_balancers()[0].target_group_arn(),
                    v["target_group_arn"].as_str()
                );

                // The target group is of type ip with the health check.
                let tg = probe
                    .elbv2()
                    .describe_target_groups()
                    .target_group_arns(v["target_group_arn"].as_str().unwrap())
                    .send()
                    .await
                    .unwrap();
                let tg = &tg.target_groups()[0];
                assert_eq!(
                    tg.target_type(),
                    Some(&aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Ip)
                );
                assert_eq!(tg.health_check_path(), v["health_check_path"].as_str());

                // No role policy has a wildcard action, nor a `*` resource but the one action that
                // cannot be scoped (ecr:GetAuthorizationToken).
                for role in [format!("{name}-execution"), format!("{name}-task")] {
                    for st in role_statements(&probe, &role).await {
                        let actions = as_strings(&st["Action"]);
                        for a in &actions {
                            assert!(a != "*" && !a.ends_with(":*"), "{role}: {st}");
                        }
                        if as_strings(&st["Resource"]).iter().any(|r| r == "*") {
                            assert_eq!(actions, ["ecr:GetAuthorizationToken"], "{role}: {st}");
                        }
                    }
                    let attached = probe
                        .iam()
                        .list_attached_role_policies()
                        .role_name(&role)
                        .send()
                        .await
                        .unwrap();
                    assert!(attached.attached_policies().is_empty(), "{role}");
                }
            });
        }
        // The users service reads exactly its one secret.
        rt().block_on(async {
            let sts = role_statements(&probe, "users-execution").await;
            let secrets: Vec<&serde_json::Value> = sts
                .iter()
                .filter(|s| as_strings(&s["Action"]) == ["secretsmanager:GetSecretValue"])
                .collect();
            assert_eq!(secrets.len(), 1);
            assert_eq!(as_strings(&secrets[0]["Resource"]), [DB_SECRET]);
            let rules = probe
                .elbv2()
                .describe_rules()
                .listener_arn(&infra.listener)
                .send()
                .await
                .unwrap();
            let mut paths: Vec<String> = rules
                .rules()
                .iter()
                .filter(|r| !r.is_default().unwrap_or(false))
                .flat_map(|r| {
                    r.conditions()[0]
                        .path_pattern_config()
                        .unwrap()
                        .values()
                        .to_vec()
                })
                .collect();
            paths.sort();
            assert_eq!(
                paths,
                [
                    "/content",
                    "/content/*",
                    "/ml",
                    "/ml/*",
                    "/users",
                    "/users/*"
                ]
            );
        });

        // Import into a fresh state equals what apply produced.
        wd.forget_state().unwrap();
        for name in ["content", "users", "ml"] {
            wd.import(
                &format!("blueprint_secure_service.{name}"),
                &format!("senas/{name}"),
            )
            .unwrap();
        }
        let imported = wd.state_resources().unwrap();
        assert_eq!(imported, applied);
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());

        // A new image: a new task definition revision, the service updated in place.
        let content = &applied
            .iter()
            .find(|(a, _)| a.ends_with(".content"))
            .unwrap()
            .1;
        let old_td = content["task_definition_arn"].as_str().unwrap().to_string();
        h.rewrite(&wd, &seed_001(&infra, "1.1.0")).unwrap();
        let plan = wd.plan().unwrap();
        assert!(plan.stdout.contains("1 to change, 0 to destroy"), "{plan}");
        assert!(plan.stdout.contains("update in-place"), "{plan}");
        assert!(!plan.stdout.contains("must be replaced"), "{plan}");
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        let after = wd.state_resources().unwrap();
        let content = &after
            .iter()
            .find(|(a, _)| a.ends_with(".content"))
            .unwrap()
            .1;
        let new_td = content["task_definition_arn"].as_str().unwrap().to_string();
        assert_ne!(new_td, old_td);
        assert!(new_td.ends_with(":2"), "{new_td}");
        rt().block_on(async {
            let svc = probe
                .ecs()
                .describe_services()
                .cluster("senas")
                .services("content")
                .send()
                .await
                .unwrap();
            assert_eq!(svc.services()[0].task_definition(), Some(new_td.as_str()));
            let td = probe
                .ecs()
                .describe_task_definition()
                .task_definition(&new_td)
                .send()
                .await
                .unwrap();
            assert!(td.task_definition().unwrap().container_definitions()[0]
                .image()
                .unwrap()
                .ends_with(":1.1.0"));
            let old = probe
                .ecs()
                .describe_task_definition()
                .task_definition(&old_td)
                .send()
                .await
                .unwrap();
            assert_eq!(
                old.task_definition().unwrap().status(),
                Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Inactive)
            );
        });

        // Drift: SSH opened on the service group, a managed policy attached to a role, the rule's
        // priority changed. The plan shows each; apply repairs each.
        let users = &after.iter().find(|(a, _)| a.ends_with(".users")).unwrap().1;
        let sg = users["security_group_id"].as_str().unwrap().to_string();
        let rule = users["listener_rule_arn"].as_str().unwrap().to_string();
        rt().block_on(async {
            probe.open_to_world(&sg, 22).await.unwrap();
            probe
                .iam()
                .attach_role_policy()
                .role_name("users-task")
                .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
                .send()
                .await
                .unwrap();
            probe
                .elbv2()
                .set_rule_priorities()
                .rule_priorities(
                    aws_sdk_elasticloadbalancingv2::types::RulePriorityPair::builder()
                        .rule_arn(&rule)
                        .priority(99)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        });
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 2, "{plan}");
        assert!(plan.stdout.contains("\"tcp 22-22 0.0.0.0/0\""), "{plan}");
        assert!(plan.stdout.contains("AdministratorAccess"), "{plan}");
        assert!(plan.stdout.contains("99 -> 20"), "{plan}");
        assert!(!plan.stdout.contains("must be replaced"), "{plan}");
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        rt().block_on(async {
            let out = probe
                .ec2()
                .describe_security_groups()
                .group_ids(&sg)
                .send()
                .await
                .unwrap();
            assert_eq!(out.security_groups()[0].ip_permissions().len(), 1);
            let attached = probe
                .iam()
                .list_attached_role_policies()
                .role_name("users-task")
                .send()
                .await
                .unwrap();
            assert!(attached.attached_policies().is_empty());
        });

        // A service deleted out of band: the plan builds it again.
        rt().block_on(async {
            let ecs = probe.ecs();
            ecs.delete_service()
                .cluster("senas")
                .service("ml")
                .force(true)
                .send()
                .await
                .unwrap();
        });
        let plan = wd.plan().unwrap();
        assert!(plan.stdout.contains("must be replaced"), "{plan}");
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());

        wd.destroy().unwrap();
        let left = h.leftovers().unwrap();
        assert!(left.is_empty(), "left behind: {left:?}");
        Ok(())
    });
}

#[test]
fn a_wildcard_task_role_statement_fails_plan_on_its_path() {
    for_each_terraform(|tf| {
        let (h, infra) = start_on(tf, false);
        let extra = r#"
  task_role_policy_statements = [
    {
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::senas-content/*"]
    },
    {
      actions   = ["s3:*"]
      resources = ["arn:aws:s3:::senas-content"]
    },
  ]
"#;
        let cfg = service(
            &infra,
            &Svc {
                name: "content",
                port: 3000,
                priority: 10,
                image_tag: "1.0.0",
                extra,
            },
        );
        let wd = h.workdir(&cfg).unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 1, "{plan}");
        let text = plan.all_output();
        // The composite's own statement check refuses it at validation (before the plan-time
        // lint runs), naming the exact element: Terraform 1.0 can only underline the resource.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("Error: Invalid task role statement"),
            "{text}"
        );
        assert!(
            flat.contains(
                "task_role_policy_statements[1].actions[0]: \"s3:*\" is a wildcard action"
            ),
            "{text}"
        );
        assert!(!flat.contains("task_role_policy_statements[0]"), "{text}");
        assert!(h.leftovers().unwrap().is_empty());
        Ok(())
    });
}

#[test]
fn invalid_values_fail_plan_on_their_attributes() {
    for_each_terraform(|tf| {
        let (h, infra) = start_on(tf, false);
        let cfg = service(
            &infra,
            &Svc {
                name: "content-",
                port: 70000,
                priority: 0,
                image_tag: "1.0.0",
                extra: concat!(
                    "  log_retention_days = 10\n  timeouts {\n    create = \"soon\"\n  }\n",
                    "  desired_count = 3000000\n",
                    "  task_role_policy_statements = [{ actions = [\"s3:Get*\"], resources = [\"arn:aws:s3:::*\"] }]\n",
                ),
            },
        );
        let cfg = cfg.replace(&infra.listener, "listener-1");
        let wd = h.workdir(&cfg).unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 1, "{plan}");
        let text = plan.all_output();
        for want in [
            "\"listener-1\" is not the ARN of an ALB listener",
            "name \"content-\" must be 1 to 29 letters",
            "container.port: must be between 1 and 65535, got 70000",
            "priority: must be between 1 and 50000, got 0",
            "log_retention_days: 10 is not one of 1, 3, 5",
            "desired_count: must be between 0 and 5000, got 3000000",
            "task_role_policy_statements[0].actions[0]: \"s3:Get*\" is a wildcard action",
            "task_role_policy_statements[0].resources[0]: \"arn:aws:s3:::*\" has a wildcard",
            "\"soon\" is not a duration",
        ] {
            // Terraform wraps diagnostics at 80 columns.
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(want), "missing {want:?} in {text}");
        }
        Ok(())
    });
}

#[test]
fn a_failure_at_any_create_or_delete_call_leaves_nothing_after_destroy() {
    let (h, infra) = start(true);
    let extra = format!("{USERS_EXTRA}\n  autoscaling {{\n    min = 1\n    max = 3\n  }}\n");
    let cfg = service(
        &infra,
        &Svc {
            name: "users",
            port: 3001,
            priority: 20,
            image_tag: "1.0.0",
            extra: &extra,
        },
    )
    .replace(
        "      SERVICE = \"users\"\n    }\n",
        &format!("      SERVICE = \"users\"\n    }}\n    secrets = {{\n      DB_PASSWORD = \"{DB_SECRET}\"\n    }}\n"),
    );
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", &cfg)
        .unwrap();
    wd.init().unwrap();
    let report = fault_sweep::run(&h, &wd, Sweep::CreateAndDelete).unwrap();
    assert!(report.create_points.len() >= 12, "{report:?}");
    assert!(report.delete_points.len() >= 10, "{report:?}");
}

/// The trust policy of a role ECS tasks assume.
const ECS_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// Make role `name` out of band with one inline policy `foreign` and the given tags.
async fn make_role(probe: &AwsProbe, name: &str, tags: &[(&str, &str)]) {
    let mut req = probe
        .iam()
        .create_role()
        .role_name(name)
        .assume_role_policy_document(ECS_TRUST);
    for (k, v) in tags {
        req = req.tags(
            aws_sdk_iam::types::Tag::builder()
                .key(*k)
                .value(*v)
                .build()
                .unwrap(),
        );
    }
    req.send().await.unwrap();
    probe
        .iam()
        .put_role_policy()
        .role_name(name)
        .policy_name("foreign")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::someone-else/*"}]}"#)
        .send()
        .await
        .unwrap();
}

/// Role `name`'s inline policy names and tag keys, or `None` when it does not exist.
async fn role_seen(probe: &AwsProbe, name: &str) -> Option<(Vec<String>, Vec<String>)> {
    let role = probe.iam().get_role().role_name(name).send().await.ok()?;
    let tags = role
        .role()
        .map(|r| r.tags().iter().map(|t| t.key().to_string()).collect())
        .unwrap_or_default();
    let policies = probe
        .iam()
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .unwrap()
        .policy_names()
        .to_vec();
    Some((policies, tags))
}

/// A role of the service's name that is not its own (no `blueprint:owner` tag) is refused by
/// name at create and left untouched by the failed create and the destroy; one left by an
/// interrupted create of the same service (its owner tag) is adopted.
#[test]
fn a_foreign_role_of_the_same_name_is_refused_and_left_alone() {
    let (h, infra) = start(false);
    let probe = h.probe();
    rt().block_on(make_role(&probe, "users-task", &[("team", "other")]));
    let cfg = service(
        &infra,
        &Svc {
            name: "users",
            port: 3001,
            priority: 20,
            image_tag: "1.0.0",
            extra: USERS_EXTRA,
        },
    );
    let wd = h.workdir(&cfg).unwrap();
    wd.init().unwrap();
    let out = wd.try_apply().unwrap();
    assert_ne!(out.code, 0, "{out}");
    let text = out.all_output();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("IAM role \"users-task\" exists but does not carry the tag blueprint:owner = \"blueprint_secure_service/users\""),
        "{text}"
    );
    assert!(!flat.contains("invalid result object"), "{text}");
    let untouched = (vec!["foreign".to_string()], vec!["team".to_string()]);
    assert_eq!(
        rt().block_on(role_seen(&probe, "users-task")),
        Some(untouched.clone()),
        "the failed create changed the foreign role"
    );
    // A refresh and a destroy of what the failed create made leave it alone too.
    let plan = wd.plan().unwrap();
    assert_eq!(plan.code, 2, "{plan}");
    wd.destroy().unwrap();
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
    assert_eq!(
        rt().block_on(role_seen(&probe, "users-task")),
        Some(untouched),
        "destroy deleted or changed the foreign role"
    );

    // The same name left by an interrupted create of this service: adopted, policies made
    // exactly the service's, deleted with it.
    rt().block_on(async {
        probe
            .iam()
            .delete_role_policy()
            .role_name("users-task")
            .policy_name("foreign")
            .send()
            .await
            .unwrap();
        probe
            .iam()
            .delete_role()
            .role_name("users-task")
            .send()
            .await
            .unwrap();
        make_role(
            &probe,
            "users-task",
            &[("blueprint:owner", "blueprint_secure_service/users")],
        )
        .await;
    });
    wd.apply().unwrap();
    assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
    let seen = rt().block_on(role_seen(&probe, "users-task")).unwrap();
    assert_eq!(seen.0, ["blueprint-task"]);
    wd.destroy().unwrap();
    assert_eq!(rt().block_on(role_seen(&probe, "users-task")), None);
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
}

#[test]
fn senas_example_applies_through_its_module_and_destroys_cleanly() {
    for_each_terraform(|tf| {
        let (h, infra) = start_on(tf, false);
        let root = blueprint_e2e::paths::workspace_root().join("terraform");
        let wd = h.empty_workdir().unwrap();
        let example = std::fs::read_to_string(root.join("examples/senas/main.tf")).unwrap();
        wd.write(
            "main.tf",
            &example.replace("../../modules/fargate-service", "./modules/fargate-service"),
        )
        .unwrap();
        let module_dir = wd.path().join("modules/fargate-service");
        std::fs::create_dir_all(&module_dir).unwrap();
        std::fs::copy(
            root.join("modules/fargate-service/main.tf"),
            module_dir.join("main.tf"),
        )
        .unwrap();
        let vars = serde_json::json!({
            "aws_endpoint": h.endpoint(),
            "region": "us-east-1",
            "account_id": ACCOUNT,
            "platform": {
                "cluster": infra.cluster,
                "vpc_id": infra.vpc,
                "private_subnet_ids": infra.subnets,
                "listener_arn": infra.listener,
                "alb_security_group_id": infra.alb_sg,
            },
        });
        wd.write("terraform.tfvars.json", &vars.to_string())
            .unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert!(plan.stdout.contains("3 to add"), "{plan}");
        assert!(!plan.all_output().contains("Warning:"), "{plan}");
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        let outputs = wd.outputs().unwrap();
        for name in ["content", "users", "ml"] {
            let arn = outputs["services"]["value"][name].as_str().unwrap();
            assert!(arn.ends_with(&format!("/{name}")), "{arn}");
        }
        wd.destroy().unwrap();
        let probe = h.probe();
        rt().block_on(async {
            let svc = probe
                .ecs()
                .describe_services()
                .cluster("senas")
                .services("content")
                .services("users")
                .services("ml")
                .send()
                .await
                .unwrap();
            assert!(svc
                .services()
                .iter()
                .all(|s| s.status() == Some("INACTIVE")));
            let roles = probe.iam().list_roles().send().await.unwrap();
            let ours: Vec<&str> = roles
                .roles()
                .iter()
                .map(|r| r.role_name())
                .filter(|n| n.ends_with("-execution") || n.ends_with("-task"))
                .collect();
            assert!(ours.is_empty(), "{ours:?}");
            let groups = probe.elbv2().describe_target_groups().send().await.unwrap();
            assert!(groups.target_groups().is_empty());
        });
        Ok(())
    });
}
