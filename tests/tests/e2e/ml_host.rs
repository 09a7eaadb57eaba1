//! `blueprint_ml_host` end to end: real Terraform (every version on the machine) against moto.

use blueprint_e2e::fault_sweep::{self, Sweep};
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;

const IMAGE: &str = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest";
const PUBLIC_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCgZ3mCzt7RfOSGbNVBh2f501SCPPqB/ETXFYOMK7aeruEdCGfgXRwltAxK5AVBm1lMJVqMeFtyReITEsDMDoysj/6yYvogUVAVav4SrwCj5VKskPRXv/U4Lmue5lk64g2BXk28f2C04FCh6Jxo03Nk/ZiaLu4rmgsW2QsSrHUFaWiQYFgvZhZKJ+dBo8CQFF94eWYMiGzEJXCVMV2LuMNUibvle9anVLa0kELFj3J3E1tHUN95+ZgBZYNi3THnGiIeNxmkgg9La3q0A7lvPfMm4M0u9wUjtUW2XaQ3foJqVGQaAs5QUKfR7CPmgFuQhSA0lkCVX9FcR+PTb4pbzMs5 blueprint-test";

fn host(extra: &str) -> String {
    format!(
        r#"
resource "blueprint_ml_host" "api" {{
  name  = "ml-api"
  image = "{IMAGE}"
  environment = {{
    MODEL_NAME = "santiago-v1"
  }}
{extra}
}}

output "endpoint" {{
  value = blueprint_ml_host.api.endpoint
}}
"#
    )
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn url_decode(s: &str) -> String {
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
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn warnings(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("Warning: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn apply_plan_import_drift_destroy() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let secrets = "  secret_environment = {\n    DB_PASSWORD = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:ml-db-AbCdEf\"\n  }\n";
        let wd = h
            .workdir(&host(&format!(
                "  app_cidr_blocks = [\"10.0.0.0/8\"]\n  restrict_egress = true\n{secrets}"
            )))
            .unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert!(warnings(&plan.all_output()).is_empty(), "{plan}");
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        let applied = wd.state_resources().unwrap();
        let v = &applied[0].1;
        assert_eq!(v["instance_type"], "t3.micro");
        assert_eq!(
            v["ingress_rules"],
            serde_json::json!(["tcp 8000-8000 10.0.0.0/8"])
        );
        assert!(v["ami_id"].as_str().unwrap().starts_with("ami-"), "{v}");
        assert!(v["endpoint"].as_str().unwrap().ends_with(":8000"), "{v}");
        assert!(v["elastic_ip_allocation_id"]
            .as_str()
            .unwrap()
            .starts_with("eipalloc-"));

        // Through the SDK: IMDSv2 required with hop limit 2, encrypted root volume, the user data.
        let probe = h.probe();
        let instance_id = v["instance_id"].as_str().unwrap().to_string();
        rt().block_on(async {
            let ec2 = probe.ec2();
            let out = ec2
                .describe_instances()
                .instance_ids(&instance_id)
                .send()
                .await
                .unwrap();
            let i = out.reservations()[0].instances()[0].clone();
            let md = i.metadata_options().unwrap();
            assert_eq!(md.http_tokens().map(|t| t.as_str()), Some("required"));
            assert_eq!(md.http_put_response_hop_limit(), Some(2));
            let vol = i.block_device_mappings()[0]
                .ebs()
                .unwrap()
                .volume_id()
                .unwrap()
                .to_string();
            let vols = ec2.describe_volumes().volume_ids(vol).send().await.unwrap();
            assert_eq!(vols.volumes()[0].encrypted(), Some(true));
            let policies = probe
                .iam()
                .list_attached_role_policies()
                .role_name("ml-api-role")
                .send()
                .await
                .unwrap();
            let arns: Vec<&str> = policies
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn())
                .collect();
            assert_eq!(
                arns,
                ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"]
            );
            // The secret is granted by exact ARN (no wildcard), and only its ARN is in user data.
            let inline = probe
                .iam()
                .get_role_policy()
                .role_name("ml-api-role")
                .policy_name("blueprint-secrets")
                .send()
                .await
                .unwrap();
            let raw = inline.policy_document();
            let doc: serde_json::Value = serde_json::from_str(raw)
                .or_else(|_| serde_json::from_str(&url_decode(raw)))
                .unwrap();
            assert_eq!(
                doc["Statement"][0]["Resource"],
                serde_json::json!([
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:ml-db-AbCdEf"
                ])
            );
            assert_eq!(
                doc["Statement"][0]["Action"],
                serde_json::json!(["secretsmanager:GetSecretValue"])
            );
            let user_data = ec2
                .describe_instance_attribute()
                .instance_id(&instance_id)
                .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
                .send()
                .await
                .unwrap();
            let encoded = user_data.user_data().and_then(|u| u.value()).unwrap();
            use base64::Engine;
            let script = String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .unwrap(),
            )
            .unwrap();
            assert!(script.contains(
                "--secret-id 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ml-db-AbCdEf'"
            ));
            assert!(script.contains("--env DB_PASSWORD \\"), "{script}");
        });

        // Import into a fresh state equals what apply produced.
        wd.forget_state().unwrap();
        wd.import("blueprint_ml_host.api", &instance_id).unwrap();
        let imported = wd.state_resources().unwrap();
        assert_eq!(imported, applied);
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());

        // Drift: SSH opened to the world out of band; the plan shows it and apply removes it.
        let sg = v["security_group_id"].as_str().unwrap().to_string();
        rt().block_on(async {
            probe.open_to_world(&sg, 22).await.unwrap();
        });
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 2, "{plan}");
        assert!(plan.stdout.contains("update in-place"), "{plan}");
        assert!(plan.stdout.contains("\"tcp 22-22 0.0.0.0/0\""), "{plan}");
        wd.apply().unwrap();
        rt().block_on(async {
            let out = probe
                .ec2()
                .describe_security_groups()
                .group_ids(&sg)
                .send()
                .await
                .unwrap();
            let ports: Vec<Option<i32>> = out.security_groups()[0]
                .ip_permissions()
                .iter()
                .map(|p| p.from_port())
                .collect();
            assert_eq!(ports, [Some(8000)], "the out-of-band SSH rule must be gone");
            let egress: Vec<(Option<String>, Option<i32>)> = out.security_groups()[0]
                .ip_permissions_egress()
                .iter()
                .map(|p| (p.ip_protocol().map(str::to_string), p.from_port()))
                .collect();
            assert_eq!(
                egress,
                [(Some("tcp".to_string()), Some(443))],
                "restrict_egress: HTTPS out only"
            );
        });
        assert!(wd.plan_is_empty().unwrap());

        // In place: instance type with a stop and start, no replacement.
        h.rewrite(
        &wd,
        &host(&format!(
            "  app_cidr_blocks = [\"10.0.0.0/8\"]\n  restrict_egress = true\n{secrets}  instance_type = \"t3.small\"\n"
        )),
    )
    .unwrap();
        let plan = wd.plan().unwrap();
        assert!(
            plan.stdout.contains("update in-place") && !plan.stdout.contains("must be replaced"),
            "{plan}"
        );
        wd.apply().unwrap();
        assert_eq!(
            wd.state_resources().unwrap()[0].1["instance_id"],
            instance_id.as_str()
        );

        // A new image replaces the host (the boot script runs once).
        h.rewrite(
        &wd,
        &host(&format!(
            "  app_cidr_blocks = [\"10.0.0.0/8\"]\n  restrict_egress = true\n{secrets}  instance_type = \"t3.small\"\n"
        ))
        .replace(":latest", ":v2"),
    )
    .unwrap();
        let plan = wd.plan().unwrap();
        assert!(plan.stdout.contains("must be replaced"), "{plan}");
        assert!(plan.stdout.contains("# forces replacement"), "{plan}");

        wd.destroy().unwrap();
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        Ok(())
    });
}

#[test]
fn seed_000_as_drawn_warns_twice_and_retains_its_elastic_ip() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let seed = host(&format!(
        "  ssh_public_key    = \"{PUBLIC_KEY}\"\n  ssh_cidr_blocks   = [\"0.0.0.0/0\"]\n  app_cidr_blocks   = [\"0.0.0.0/0\"]\n  retain_elastic_ip = true\n"
    ));
        let wd = h.workdir(&seed).unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        let text = plan.all_output();
        let w = warnings(&text);
        assert_eq!(w.len(), 2, "{text}");
        assert!(text.contains("sg-ssh-rdp-open"), "{text}");
        assert!(text.contains("sg-app-port-open"), "{text}");
        // Terraform quotes the configuration line each warning is attached to.
        let quoted: Vec<&str> = text
            .lines()
            .filter(|l| {
                l.trim_start()
                    .split(':')
                    .next()
                    .is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .collect();
        assert!(
            quoted.iter().any(|l| l.contains("ssh_cidr_blocks")),
            "{text}"
        );
        assert!(
            quoted.iter().any(|l| l.contains("app_cidr_blocks")),
            "{text}"
        );
        wd.apply().unwrap();
        let state = wd.state_resources().unwrap();
        let allocation = state[0].1["elastic_ip_allocation_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(state[0].1["key_name"], "ml-api-key");
        wd.destroy().unwrap();
        // Everything is gone but the retained Elastic IP, which the seed keeps on purpose.
        let left = h.leftovers().unwrap();
        assert_eq!(left, vec![format!("elastic-ip {allocation}")]);
        rt().block_on(async {
            h.probe()
                .ec2()
                .release_address()
                .allocation_id(&allocation)
                .send()
                .await
                .unwrap();
        });
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        Ok(())
    });
}

/// The security group, instance profile, key pair and role deleted out of band at once: the plan
/// shows each made again, apply makes them, the instance follows (moved to the new group, given
/// the new profile, which holds the new role), and the next plan is empty.
#[test]
fn children_deleted_out_of_band_are_made_again_and_the_host_follows() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h
            .workdir(&host(&format!(
                "  ssh_public_key  = \"{PUBLIC_KEY}\"\n  app_cidr_blocks = [\"10.0.0.0/8\"]\n"
            )))
            .unwrap();
        wd.init().unwrap();
        wd.apply().unwrap();
        let before = wd.state_resources().unwrap()[0].1.clone();
        let instance = before["instance_id"].as_str().unwrap().to_string();
        let old_sg = before["security_group_id"].as_str().unwrap().to_string();
        let probe = h.probe();
        let old_profile_id = rt().block_on(async {
            let p = probe
                .iam()
                .get_instance_profile()
                .instance_profile_name("ml-api-profile")
                .send()
                .await
                .unwrap();
            let id = p
                .instance_profile()
                .unwrap()
                .instance_profile_id()
                .to_string();
            for (kind, id) in [
                ("aws_security_group", old_sg.as_str()),
                ("aws_iam_instance_profile", "ml-api-profile"),
                ("aws_key_pair", "ml-api-key"),
                ("aws_iam_role", "ml-api-role"),
            ] {
                probe.delete_child(kind, id).await.unwrap();
            }
            id
        });

        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 2, "{plan}");
        assert!(
            plan.stdout.contains("update in-place") && !plan.stdout.contains("must be replaced"),
            "{plan}"
        );
        for attr in [
            "security_group_id",
            "instance_profile_arn",
            "key_name",
            "role_arn",
        ] {
            let changed = plan
                .stdout
                .lines()
                .any(|l| l.contains(attr) && l.contains("(known after apply)"));
            assert!(changed, "{attr} is not planned to be made again:\n{plan}");
        }
        wd.apply().unwrap();
        let after = wd.state_resources().unwrap()[0].1.clone();
        assert_eq!(after["instance_id"], instance.as_str(), "the host is kept");
        let new_sg = after["security_group_id"].as_str().unwrap().to_string();
        assert_ne!(new_sg, old_sg);
        rt().block_on(async {
            let ec2 = probe.ec2();
            let out = ec2
                .describe_instances()
                .instance_ids(&instance)
                .send()
                .await
                .unwrap();
            let i = &out.reservations()[0].instances()[0];
            let groups: Vec<&str> = i
                .security_groups()
                .iter()
                .filter_map(|g| g.group_id())
                .collect();
            assert_eq!(
                groups,
                [new_sg.as_str()],
                "the instance is in the new group"
            );
            let profile = probe
                .iam()
                .get_instance_profile()
                .instance_profile_name("ml-api-profile")
                .send()
                .await
                .unwrap();
            let profile = profile.instance_profile().unwrap();
            assert_ne!(profile.instance_profile_id(), old_profile_id);
            let roles: Vec<&str> = profile.roles().iter().map(|r| r.role_name()).collect();
            assert_eq!(roles, ["ml-api-role"], "the new profile holds the new role");
            let assoc = ec2
                .describe_iam_instance_profile_associations()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("instance-id")
                        .values(&instance)
                        .build(),
                )
                .send()
                .await
                .unwrap();
            let used: Vec<(Option<&str>, Option<&str>)> = assoc
                .iam_instance_profile_associations()
                .iter()
                .filter_map(|a| a.iam_instance_profile())
                .map(|p| (p.arn(), p.id()))
                .collect();
            assert_eq!(
                used,
                [(Some(profile.arn()), Some(profile.instance_profile_id()))],
                "the instance uses the new profile"
            );
            let keys = ec2
                .describe_key_pairs()
                .key_names("ml-api-key")
                .send()
                .await
                .unwrap();
            assert_eq!(keys.key_pairs().len(), 1, "the key pair is imported again");
        });
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        wd.destroy().unwrap();
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        Ok(())
    });
}

#[test]
fn invalid_values_fail_plan_on_their_attributes() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h
            .workdir(&host(concat!(
                "  ssh_cidr_blocks = [\"10.0.0.0/8\", \"everyone\"]\n  container_port = 70000\n",
                "  app_cidr_blocks = [\"10.0.0.1/8\"]\n  instance_type = \"made-up\"\n",
                "  ssh_public_key = \"ssh-rsa garbage\"\n  subnet_id = \"\"\n",
                "  allow_app_from_security_group_ids = [\"default\"]\n",
                "  tags = { \"aws:owner\" = \"me\" }\n",
            )))
            .unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 1, "{plan}");
        let text = plan.all_output();
        assert!(
            text.contains("\"everyone\" is not an IPv4 or IPv6 CIDR block"),
            "{text}"
        );
        for want in [
            "container_port: must be between 1 and 65535, got 70000",
            "app_cidr_blocks[0]: \"10.0.0.1/8\" has host bits set",
            "instance_type: \"made-up\" is not an EC2 instance type",
            "ssh_public_key: the key body is not base64",
            "subnet_id: \"\" is not an id of the form subnet-",
            "allow_app_from_security_group_ids[0]: \"default\" is not a security group id",
            "tags[\"aws:owner\"]: tag key \"aws:owner\" starts with \"aws:\"",
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
    let h = Harness::start_with_proxy().unwrap();
    let cfg = host(&format!("  ssh_public_key = \"{PUBLIC_KEY}\"\n"));
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", &cfg)
        .unwrap();
    wd.init().unwrap();
    let report = fault_sweep::run(&h, &wd, Sweep::CreateAndDelete).unwrap();
    assert!(report.create_points.len() >= 9, "{report:?}");
    assert!(report.delete_points.len() >= 6, "{report:?}");
}
