//! `blueprint_network` end to end: real Terraform (every version on the machine) against moto.
//! Plan-time errors on attribute paths, seed 001's dev and prod shapes, and the fault sweep.
//! (The generic check is in `composites.rs`.)

use anyhow::{ensure, Result};
use aws_sdk_ec2::types::Filter;
use blueprint_e2e::fault_sweep::{self, Sweep};
use blueprint_e2e::harness::TEST_TAG_KEY;
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;
use serde_json::Value;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn network(label: &str, name: &str, body: &str) -> String {
    format!(
        r#"
resource "blueprint_network" "{label}" {{
  name = "{name}"
{body}
}}
"#
    )
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = s
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn strings(v: &Value, attr: &str) -> Vec<String> {
    v[attr]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What this test's provider made that is still in moto, by the harness's tag: VPCs, subnets,
/// internet gateways, live NAT gateways, route tables, live endpoints, flow logs, Elastic IPs,
/// and whatever the harness's own list covers (roles, log groups...).
fn network_leftovers(h: &Harness) -> Result<Vec<String>> {
    let mut left = h.leftovers()?;
    let probe = h.probe();
    let tagged = || {
        Filter::builder()
            .name(format!("tag:{TEST_TAG_KEY}"))
            .values(&h.tag)
            .build()
    };
    rt().block_on(async {
        let ec2 = probe.ec2();
        for v in ec2.describe_vpcs().filters(tagged()).send().await?.vpcs() {
            left.push(format!("vpc {}", v.vpc_id().unwrap_or_default()));
        }
        for s in ec2
            .describe_subnets()
            .filters(tagged())
            .send()
            .await?
            .subnets()
        {
            left.push(format!("subnet {}", s.subnet_id().unwrap_or_default()));
        }
        for g in ec2
            .describe_internet_gateways()
            .filters(tagged())
            .send()
            .await?
            .internet_gateways()
        {
            left.push(format!(
                "internet-gateway {}",
                g.internet_gateway_id().unwrap_or_default()
            ));
        }
        for n in ec2.describe_nat_gateways().send().await?.nat_gateways() {
            let ours = n
                .tags()
                .iter()
                .any(|t| t.key() == Some(TEST_TAG_KEY) && t.value() == Some(h.tag.as_str()));
            let live = matches!(
                n.state(),
                Some(aws_sdk_ec2::types::NatGatewayState::Available)
                    | Some(aws_sdk_ec2::types::NatGatewayState::Pending)
            );
            if ours && live {
                left.push(format!(
                    "nat-gateway {}",
                    n.nat_gateway_id().unwrap_or_default()
                ));
            }
        }
        for t in ec2
            .describe_route_tables()
            .filters(tagged())
            .send()
            .await?
            .route_tables()
        {
            left.push(format!(
                "route-table {}",
                t.route_table_id().unwrap_or_default()
            ));
        }
        for e in ec2
            .describe_vpc_endpoints()
            .filters(tagged())
            .send()
            .await?
            .vpc_endpoints()
        {
            // The API spells endpoint states in lower case.
            let gone = e.state().is_some_and(|st| {
                st.as_str().eq_ignore_ascii_case("deleted")
                    || st.as_str().eq_ignore_ascii_case("deleting")
            });
            if !gone {
                left.push(format!(
                    "vpc-endpoint {}",
                    e.vpc_endpoint_id().unwrap_or_default()
                ));
            }
        }
        for f in ec2
            .describe_flow_logs()
            .filter(tagged())
            .send()
            .await?
            .flow_logs()
        {
            left.push(format!("flow-log {}", f.flow_log_id().unwrap_or_default()));
        }
        let logs = probe.logs();
        for g in logs
            .describe_log_groups()
            .log_group_name_prefix("/blueprint/network/")
            .send()
            .await?
            .log_groups()
        {
            left.push(format!(
                "log-group {}",
                g.log_group_name().unwrap_or_default()
            ));
        }
        anyhow::Ok(())
    })?;
    left.sort();
    left.dedup();
    Ok(left)
}

/// Every plan-time mistake is reported on its attribute path before anything is made.
#[test]
fn bad_plans_fail_at_plan_on_the_attribute() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let cases: &[(&str, &[&str])] = &[
            (
                r#"  cidr_block = "10.0.0.0/25""#,
                &[
                    "cidr_block",
                    "10.0.0.0/25 is too small for the derived plan",
                ],
            ),
            (
                r#"  public_subnet_cidrs  = ["10.0.0.0/24", "10.0.1.0/24"]
  private_subnet_cidrs = ["10.0.0.128/25", "10.1.0.0/24"]
  database_subnet_cidrs = ["10.0.9.0/29", "10.0.10.0/24", "10.0.11.0/24"]"#,
                &[
                    "private_subnet_cidrs[0]: 10.0.0.128/25 overlaps",
                    "10.0.0.128/25 overlaps public_subnet_cidrs[0] (10.0.0.0/24)",
                    "private_subnet_cidrs[1]: 10.1.0.0/24 is outside",
                    "10.1.0.0/24 is outside the VPC's 10.0.0.0/16",
                    "database_subnet_cidrs: needs one CIDR",
                    "needs one CIDR per availability zone: 2, got 3",
                    "10.0.9.0/29 is too small",
                ],
            ),
            (
                r#"  profile            = "prod"
  availability_zones = ["us-east-1a", "us-east-1b"]"#,
                &["availability_zones: names 2 zone(s) but the network has 3"],
            ),
            (
                r#"  cidr_block = "10.0.0.1/16"
  nat_gateways = "some""#,
                &["cidr_block", "has host bits set", "nat_gateways"],
            ),
        ];
        for (body, wants) in cases {
            let wd = h.workdir(&network("bad", "bad-net", body))?;
            wd.init()?;
            let run = wd.plan()?;
            ensure!(run.code == 1, "the plan must fail: {run}");
            let text = format!("{}{}", run.stdout, run.stderr);
            // Terraform wraps diagnostics at 80 columns.
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for want in *wants {
                ensure!(flat.contains(want), "missing {want:?} in:\n{text}");
            }
            ensure!(!flat.contains("panicked"), "{text}");
        }
        ensure!(
            network_leftovers(&h)?.is_empty(),
            "a failed plan made something"
        );
        Ok(())
    });
}

/// Seed 001's sizing table: dev is 2 zones, 1 NAT gateway, no flow logs; prod is 3 zones, a
/// NAT gateway per zone and flow logs (through a role scoped to the log group). Both converge,
/// and destroy leaves nothing.
#[test]
fn dev_and_prod_have_seed_001s_shapes() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let config = format!(
            "{}{}",
            network("dev", "senas-dev", r#"  profile = "dev""#),
            network(
                "prod",
                "senas-prod",
                "  profile = \"prod\"\n  cidr_block = \"10.1.0.0/16\""
            )
        );
        let wd = h.workdir(&config)?;
        wd.init()?;
        wd.apply()?;
        ensure!(wd.plan_is_empty()?, "the plan after apply is not empty");
        let dev = wd
            .state_values("blueprint_network.dev")?
            .unwrap_or_default();
        let prod = wd
            .state_values("blueprint_network.prod")?
            .unwrap_or_default();
        for (v, zones, nats, flow) in [(&dev, 2, 1, false), (&prod, 3, 3, true)] {
            let name = v["name"].as_str().unwrap_or_default();
            ensure!(
                strings(v, "availability_zones").len() == zones,
                "{name}: {v}"
            );
            for tier in ["public", "private", "database"] {
                ensure!(
                    strings(v, &format!("{tier}_subnet_ids")).len() == zones,
                    "{name}: {tier} subnets: {v}"
                );
            }
            ensure!(strings(v, "nat_gateway_ids").len() == nats, "{name}: {v}");
            ensure!(
                strings(v, "private_route_table_ids").len() == zones,
                "{name}: {v}"
            );
            ensure!(v["flow_log_id"].is_string() == flow, "{name}: {v}");
        }
        ensure!(
            strings(&dev, "public_subnet_cidrs") == ["10.0.0.0/20", "10.0.16.0/20"],
            "{dev}"
        );
        // In AWS: the shapes as the API sees them.
        let probe = h.probe();
        rt().block_on(async {
            let ec2 = probe.ec2();
            for (v, nats, flows) in [(&dev, 1, 0), (&prod, 3, 1)] {
                let vpc = v["vpc_id"].as_str().unwrap_or_default();
                let by_vpc = |n: &str| Filter::builder().name(n).values(vpc).build();
                let live = ec2
                    .describe_nat_gateways()
                    .filter(by_vpc("vpc-id"))
                    .send()
                    .await?
                    .nat_gateways()
                    .iter()
                    .filter(|n| n.state() == Some(&aws_sdk_ec2::types::NatGatewayState::Available))
                    .count();
                ensure!(live == nats, "{vpc}: {live} NAT gateways");
                let fl = ec2
                    .describe_flow_logs()
                    .filter(by_vpc("resource-id"))
                    .send()
                    .await?;
                ensure!(fl.flow_logs().len() == flows, "{vpc}: {:?}", fl.flow_logs());
                // Public subnets map public IPs; the others do not.
                let subnets = ec2
                    .describe_subnets()
                    .filters(by_vpc("vpc-id"))
                    .send()
                    .await?;
                for s in subnets.subnets() {
                    let id = s.subnet_id().unwrap_or_default().to_string();
                    let public = strings(v, "public_subnet_ids").contains(&id);
                    ensure!(
                        s.map_public_ip_on_launch() == Some(public),
                        "{id}: map_public_ip_on_launch"
                    );
                }
                // The database route table has no route out of the VPC; each private one
                // goes out through its zone's NAT gateway.
                let tables = ec2
                    .describe_route_tables()
                    .filters(by_vpc("vpc-id"))
                    .send()
                    .await?;
                let db = v["database_route_table_id"].as_str().unwrap_or_default();
                for t in tables.route_tables() {
                    let out: Vec<_> = t
                        .routes()
                        .iter()
                        .filter(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
                        .collect();
                    let id = t.route_table_id().unwrap_or_default();
                    if id == db {
                        ensure!(out.is_empty(), "database route table {id} routes out");
                    }
                    if let Some(i) = strings(v, "private_route_table_ids")
                        .iter()
                        .position(|p| p == id)
                    {
                        let nat = &strings(v, "nat_gateway_ids")[i.min(nats - 1)];
                        ensure!(
                            out.iter().any(|r| r.nat_gateway_id() == Some(nat.as_str())),
                            "private route table {id} does not go through {nat}"
                        );
                    }
                }
            }
            // The flow log role may write to its log group only.
            let iam = probe.iam();
            let doc = iam
                .get_role_policy()
                .role_name("senas-prod-flow-logs")
                .policy_name("write-flow-logs")
                .send()
                .await?;
            let text = url_decode(doc.policy_document());
            ensure!(
                text.contains("log-group:/blueprint/network/senas-prod/flow-logs")
                    && !text.contains("\"*\""),
                "{text}"
            );
            anyhow::Ok(())
        })?;
        wd.destroy()?;
        let left = network_leftovers(&h)?;
        ensure!(left.is_empty(), "destroy left {left:?}");
        Ok(())
    });
}

/// Every mutating call of create and destroy failed in turn: the operation fails, and a destroy
/// afterwards leaves nothing.
#[test]
fn a_failure_at_any_create_or_delete_call_leaves_nothing_after_destroy() {
    let h = Harness::start_with_proxy().unwrap();
    let cfg = network("sweep", "sweep-net", "  flow_logs = true");
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", &cfg)
        .unwrap();
    wd.init().unwrap();
    let report = fault_sweep::run(&h, &wd, Sweep::CreateAndDelete).unwrap();
    assert!(report.create_points.len() >= 15, "{report:?}");
    assert!(report.delete_points.len() >= 10, "{report:?}");
    assert_eq!(network_leftovers(&h).unwrap(), Vec::<String>::new());
}
