//! `blueprint_host_group`: the plan refuses bad connections on their attribute paths (through
//! Terraform, as a user sees them), and a failure at any create or delete call leaves nothing
//! after destroy. The generic check is in `composites.rs`; the example in `seed_002.rs`.

use blueprint_e2e::fault_sweep::{self, Sweep};
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;

/// Two hosts in `vpc`: `app` connects to `cache`'s Redis; `extra` goes into `app`'s block.
fn group(vpc: &str, subnet: &str, extra: &str) -> String {
    format!(
        r#"
resource "blueprint_host_group" "this" {{
  name   = "sweep-hosts"
  vpc_id = "{vpc}"

  host {{
    name          = "app"
    instance_type = "t3.micro"
    volume_size   = 8
    subnet_id     = "{subnet}"
    connects_to   = [{{ host = "cache", service = "redis" }}]
{extra}  }}
  host {{
    name          = "cache"
    instance_type = "t3.micro"
    volume_size   = 8
    subnet_id     = "{subnet}"
    serves        = [{{ name = "redis", port = 6379, protocol = "tcp" }}]
  }}
}}
"#
    )
}

/// The default VPC and one of its subnets.
fn default_placement(h: &Harness) -> (String, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let probe = h.probe();
    rt.block_on(async {
        let vpcs = probe.ec2().describe_vpcs().send().await.unwrap();
        let vpc = vpcs
            .vpcs()
            .iter()
            .find(|v| v.is_default() == Some(true))
            .and_then(|v| v.vpc_id())
            .expect("moto has a default VPC")
            .to_string();
        let subnets = probe
            .ec2()
            .describe_subnets()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(&vpc)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let mut ids: Vec<String> = subnets
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect();
        ids.sort();
        (vpc, ids.into_iter().next().expect("a default subnet"))
    })
}

#[test]
fn bad_connections_fail_plan_on_their_attribute_paths() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let cfg = group(
            "vpc-0123456789abcdef0",
            "subnet-0123456789abcdef0",
            concat!(
                "    connects_to_external = [{ name = \"db\", port = 5432 }]\n",
                "    ssh_cidr_blocks = [\"0.0.0.0/0\"]\n",
                "    serves = [{ name = \"api\", port = 8000, protocol = \"tcp\" }, { name = \"metrics\", port = 8000, protocol = \"tcp\" }]\n",
            ),
        )
        .replace(
            "connects_to   = [{ host = \"cache\", service = \"redis\" }]",
            "connects_to   = [{ host = \"cache\", service = \"postgres\" }, { host = \"queue\", service = \"redis\" }]",
        );
        let wd = h.workdir(&cfg).unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 1, "{plan}");
        let flat = plan
            .all_output()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for want in [
            "host[0].connects_to[0].service: host \"app\" connects to \"cache\" on service \"postgres\", which \"cache\" does not serve",
            "host[0].connects_to[1].host: host \"app\" connects to host \"queue\", which is not one of this group's hosts",
            "host[0].serves[1].port: host \"app\": services \"api\" and \"metrics\" both use tcp port 8000",
            "\"0.0.0.0/0\" is the whole internet",
        ] {
            assert!(flat.contains(want), "missing {want:?} in {flat}");
        }
        Ok(())
    });
}

#[test]
fn a_failure_at_any_create_or_delete_call_leaves_nothing_after_destroy() {
    let h = Harness::start_with_proxy().unwrap();
    let (vpc, subnet) = default_placement(&h);
    let cfg = group(
        &vpc,
        &subnet,
        "    secret_environment = { TOKEN = \"arn:aws:ssm:us-east-1:123456789012:parameter/sweep/token\" }\n",
    );
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", &cfg)
        .unwrap();
    wd.init().unwrap();
    let report = fault_sweep::run(&h, &wd, Sweep::CreateAndDelete).unwrap();
    // Every distinct mutating call: the groups and their rules, the roles (created, policy
    // attached, inline policy put), the profiles and their roles, the instances.
    assert!(report.create_points.len() >= 8, "{report:?}");
    assert!(report.delete_points.len() >= 8, "{report:?}");
}
