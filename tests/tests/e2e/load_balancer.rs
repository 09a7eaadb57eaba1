//! `blueprint_load_balancer` end to end: real Terraform against moto. The VPC, its subnets and
//! the ECS cluster come from [`platform`] (SDK calls, as `blueprint_network` would make them);
//! the load balancer, and then a `blueprint_secure_service` routed through its HTTPS listener,
//! come from the provider.

use anyhow::{anyhow, ensure, Context, Result};
use aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum;
use blueprint_e2e::fault_sweep::{self, Sweep};
use blueprint_e2e::moto::MotoOptions;
use blueprint_e2e::platform::{self, Platform};
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;

const ACCOUNT: &str = "123456789012";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An ACM client straight to moto (the probe has none public).
fn acm(endpoint: &str) -> aws_sdk_acm::Client {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("testing", "testing", None, None, "test"),
            ),
        )
        .endpoint_url(endpoint)
        .build();
    aws_sdk_acm::Client::new(&config)
}

fn load_balancer(p: &Platform, extra: &str) -> String {
    format!(
        r#"
resource "blueprint_load_balancer" "public" {{
  name              = "senas-public"
  vpc_id            = "{vpc}"
  public_subnet_ids = ["{s0}", "{s1}"]
{extra}}}
"#,
        vpc = p.vpc,
        s0 = p.subnets[0],
        s1 = p.subnets[1],
    )
}

const SERVICE: &str = r#"
resource "blueprint_secure_service" "content" {
  name                  = "content"
  cluster               = "senas"
  vpc_id                = blueprint_load_balancer.public.vpc_id
  subnet_ids            = blueprint_load_balancer.public.public_subnet_ids
  listener_arn          = blueprint_load_balancer.public.https_listener_arn
  alb_security_group_id = blueprint_load_balancer.public.security_group_id
  path_patterns         = ["/content", "/content/*"]
  priority              = 10

  container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/senas-content:1.0.0"
    port  = 8000
  }
}
"#;

/// What is left of load balancers, listeners and ACM certificates (the harness's leftover
/// scan does not cover them): the platform's own `senas-alb` and its certificate aside.
fn elb_and_acm_left(h: &Harness, keep_certificate: &str) -> Result<Vec<String>> {
    let probe = h.probe();
    rt().block_on(async {
        let mut left = Vec::new();
        let lbs = probe.elbv2().describe_load_balancers().send().await?;
        for lb in lbs.load_balancers() {
            if lb.load_balancer_name() != Some("senas-alb") {
                left.push(format!("load balancer {:?}", lb.load_balancer_name()));
            }
        }
        let certs = acm(probe.endpoint()).list_certificates().send().await?;
        for c in certs.certificate_summary_list() {
            if c.certificate_arn() != Some(keep_certificate) {
                left.push(format!("certificate {:?}", c.domain_name()));
            }
        }
        Ok(left)
    })
}

/// The platform's own certificate (its listener's), to tell apart from ours.
fn platform_certificate(h: &Harness, p: &Platform) -> Result<String> {
    let probe = h.probe();
    rt().block_on(async {
        let l = probe
            .elbv2()
            .describe_listeners()
            .listener_arns(&p.listener)
            .send()
            .await?;
        l.listeners()
            .first()
            .and_then(|l| l.certificates().first())
            .and_then(|c| c.certificate_arn())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("the platform's listener has no certificate"))
    })
}

#[test]
fn bad_input_fails_at_plan_on_the_attribute() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let p = Platform {
            vpc: "vpc-0123abcd".into(),
            subnets: vec!["subnet-0123abcd".into(), "subnet-4567abcd".into()],
            alb_sg: String::new(),
            listener: String::new(),
            cluster: String::new(),
        };
        let cases: [(String, &[&str]); 5] = [
            (
                load_balancer(
                    &p,
                    "  certificate_arn = \"arn:aws:iam::123456789012:server-certificate/senas\"\n",
                ),
                &["Invalid certificate_arn", "certificate_arn: \"arn:aws:iam::123456789012:server-certificate/senas\" is not the ARN of an ACM certificate"],
            ),
            (
                load_balancer(&p, "  domain_name = \"senas.example.org\"\n")
                    .replace(&format!(", \"{}\"", p.subnets[1]), ""),
                &["Invalid public_subnet_ids", "public_subnet_ids: must be 2 to 16 long, got 1."],
            ),
            (
                load_balancer(
                    &p,
                    "  domain_name = \"senas.example.org\"\n  ssl_policy = \"ELBSecurityPolicy-TLS13-1-0-2021-06\"\n",
                ),
                &["Invalid ssl_policy", "ssl_policy: \"ELBSecurityPolicy-TLS13-1-0-2021-06\" is not one of \"ELBSecurityPolicy-TLS13-1-2-2021-06\""],
            ),
            (
                load_balancer(&p, ""),
                &["Missing domain_name", "domain_name: without certificate_arn"],
            ),
            (
                load_balancer(
                    &p,
                    "  domain_name = \"senas.example.org\"\n  ingress_cidr_blocks = [\"0.0.0.0/0\", \"10.0.0.1/8\"]\n",
                ),
                &["Invalid ingress_cidr_blocks", "ingress_cidr_blocks[1]: \"10.0.0.1/8\" has host bits set"],
            ),
        ];
        for (config, wanted) in cases {
            let wd = h.workdir(&config)?;
            wd.init()?;
            let run = wd.plan()?;
            ensure!(run.code == 1, "the plan must fail:\n{run}");
            let text = flat(&run.all_output());
            for w in wanted {
                ensure!(text.contains(w), "missing {w:?} in:\n{run}");
            }
            ensure!(!text.contains("stack backtrace"), "{run}");
            ensure!(h.leftovers()?.is_empty(), "a plan created something");
        }
        Ok(())
    });
}

#[test]
fn https_only_load_balancer_carries_a_secure_service_and_repairs_drift() {
    for_each_terraform(|tf| {
        let h = Harness::start_with(
            MotoOptions {
                ecs_service_running: 1,
                ..MotoOptions::default()
            },
            false,
        )?
        .on(tf);
        let p = platform::make_blocking(&h.probe())?;
        let theirs = platform_certificate(&h, &p)?;
        let lb = load_balancer(&p, "  domain_name = \"senas.example.org\"\n");
        let wd = h.workdir(&format!("{lb}\n{SERVICE}"))?;
        wd.init()?;
        wd.apply()?;
        ensure!(wd.plan_is_empty()?, "{}", wd.plan()?);
        let v = wd
            .state_values("blueprint_load_balancer.public")?
            .context("the load balancer is not in state")?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let (https, http, cert, sg) = (
            s("https_listener_arn"),
            s("http_listener_arn"),
            s("self_signed_certificate_arn"),
            s("security_group_id"),
        );
        ensure!(s("dns_name").contains("senas"), "{v}");
        ensure!(v["certificate_arn"].is_null(), "{v}");
        let probe = h.probe();
        rt().block_on(async {
            let elb = probe.elbv2();
            // HTTPS: the TLS 1.2+ policy, the imported self-signed certificate, a fixed 404.
            let l = elb.describe_listeners().listener_arns(&https).send().await?;
            let l = l.listeners().first().context("no HTTPS listener")?;
            ensure!(l.port() == Some(443), "{l:?}");
            ensure!(
                l.ssl_policy() == Some("ELBSecurityPolicy-TLS13-1-2-2021-06"),
                "{l:?}"
            );
            ensure!(
                l.certificates().first().and_then(|c| c.certificate_arn()) == Some(cert.as_str()),
                "{l:?}"
            );
            let action = l.default_actions().first().context("no default action")?;
            ensure!(
                action.r#type() == Some(&ActionTypeEnum::FixedResponse)
                    && action.fixed_response_config().and_then(|c| c.status_code()) == Some("404"),
                "{action:?}"
            );
            let c = acm(probe.endpoint())
                .describe_certificate()
                .certificate_arn(&cert)
                .send()
                .await?;
            let c = c.certificate().context("no certificate")?;
            ensure!(c.domain_name() == Some("senas.example.org"), "{c:?}");
            ensure!(
                c.r#type() == Some(&aws_sdk_acm::types::CertificateType::Imported),
                "{c:?}"
            );
            // HTTP: only a 301 to HTTPS on 443.
            let l = elb.describe_listeners().listener_arns(&http).send().await?;
            let l = l.listeners().first().context("no HTTP listener")?;
            let action = l.default_actions().first().context("no default action")?;
            let r = action.redirect_config().context("not a redirect")?;
            ensure!(
                l.port() == Some(80)
                    && r.protocol() == Some("HTTPS")
                    && r.port() == Some("443")
                    && r.status_code()
                        == Some(&aws_sdk_elasticloadbalancingv2::types::RedirectActionStatusCodeEnum::Http301),
                "{l:?}"
            );
            // The service's rule is on our HTTPS listener, forwarding /content.
            let rules = elb.describe_rules().listener_arn(&https).send().await?;
            let routed = rules.rules().iter().any(|r| {
                !r.is_default().unwrap_or(false)
                    && r.conditions()
                        .iter()
                        .any(|c| {
                        c.values().iter().any(|v| v == "/content")
                            || c.path_pattern_config()
                                .is_some_and(|p| p.values().iter().any(|v| v == "/content"))
                    })
            });
            ensure!(routed, "no /content rule on {https}: {rules:?}");
            Ok(())
        })?;
        // The private key is in no state attribute.
        let state = std::fs::read_to_string(wd.path().join("terraform.tfstate"))?;
        ensure!(
            !state.contains("PRIVATE KEY"),
            "the private key is in the state"
        );

        // Drift: SSH opened on the group and the HTTPS policy weakened, out of band.
        rt().block_on(async {
            probe.open_to_world(&sg, 22).await?;
            probe
                .elbv2()
                .modify_listener()
                .listener_arn(&https)
                .ssl_policy("ELBSecurityPolicy-TLS13-1-0-2021-06")
                .send()
                .await?;
            anyhow::Ok(())
        })?;
        let plan = wd.plan()?;
        ensure!(plan.code == 2, "the drift is not planned:\n{plan}");
        let text = flat(&plan.stdout);
        ensure!(text.contains("tcp 22-22 0.0.0.0/0"), "{plan}");
        ensure!(
            text.contains("ELBSecurityPolicy-TLS13-1-0-2021-06"),
            "{plan}"
        );
        wd.apply()?;
        ensure!(wd.plan_is_empty()?, "{}", wd.plan()?);
        rt().block_on(async {
            let g = probe
                .ec2()
                .describe_security_groups()
                .group_ids(&sg)
                .send()
                .await?;
            let open22 = g.security_groups()[0]
                .ip_permissions()
                .iter()
                .any(|p| p.from_port() == Some(22));
            ensure!(!open22, "SSH still open");
            let l = probe
                .elbv2()
                .describe_listeners()
                .listener_arns(&https)
                .send()
                .await?;
            ensure!(
                l.listeners()[0].ssl_policy() == Some("ELBSecurityPolicy-TLS13-1-2-2021-06"),
                "policy not repaired"
            );
            Ok(())
        })?;

        // prod: access logs and deletion protection on; destroy refuses until it is off.
        h.rewrite(
            &wd,
            &format!(
                "{}\n{SERVICE}",
                load_balancer(
                    &p,
                    "  domain_name = \"senas.example.org\"\n  profile = \"prod\"\n"
                )
            ),
        )?;
        wd.apply()?;
        ensure!(wd.plan_is_empty()?, "{}", wd.plan()?);
        let v = wd
            .state_values("blueprint_load_balancer.public")?
            .context("gone")?;
        let bucket = format!("senas-public-alb-logs-{ACCOUNT}");
        ensure!(v["access_logs_bucket"] == bucket.as_str(), "{v}");
        ensure!(
            v["load_balancer_settings"]["deletion_protection.enabled"] == "true",
            "{v}"
        );
        let refused = wd.try_destroy()?;
        ensure!(refused.code != 0, "destroy must refuse: {refused}");
        ensure!(
            flat(&refused.all_output())
                .contains("Set deletion_protection = false, apply, then destroy"),
            "{refused}"
        );
        h.rewrite(
            &wd,
            &format!(
                "{}\n{SERVICE}",
                load_balancer(
                    &p,
                    "  domain_name = \"senas.example.org\"\n  profile = \"prod\"\n  deletion_protection = false\n"
                )
            ),
        )?;
        wd.apply()?;
        wd.destroy()?;
        let left = h.leftovers()?;
        ensure!(left.is_empty(), "left: {left:?}");
        let left = elb_and_acm_left(&h, &theirs)?;
        ensure!(left.is_empty(), "left: {left:?}");
        Ok(())
    });
}

#[test]
fn a_given_certificate_replaces_the_self_signed_one_in_place() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let p = platform::make_blocking(&h.probe())?;
        let theirs = platform_certificate(&h, &p)?;
        let wd = h.workdir(&load_balancer(
            &p,
            "  domain_name = \"senas.example.org\"\n",
        ))?;
        wd.init()?;
        wd.apply()?;
        let before = wd
            .state_values("blueprint_load_balancer.public")?
            .context("gone")?;
        let own = before["self_signed_certificate_arn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        h.rewrite(
            &wd,
            &load_balancer(&p, &format!("  certificate_arn = \"{theirs}\"\n")),
        )?;
        let plan = wd.plan()?;
        ensure!(
            plan.code == 2 && !plan.stdout.contains("must be replaced"),
            "{plan}"
        );
        wd.apply()?;
        ensure!(wd.plan_is_empty()?, "{}", wd.plan()?);
        let after = wd
            .state_values("blueprint_load_balancer.public")?
            .context("gone")?;
        ensure!(after["arn"] == before["arn"], "replaced: {after}");
        ensure!(after["self_signed_certificate_arn"].is_null(), "{after}");
        ensure!(
            after["https_listener_settings"]["certificate_arn"] == theirs.as_str(),
            "{after}"
        );
        let gone = rt().block_on(async {
            acm(h.probe().endpoint())
                .describe_certificate()
                .certificate_arn(&own)
                .send()
                .await
                .is_err()
        });
        ensure!(gone, "the self-signed certificate {own} was not deleted");
        wd.destroy()?;
        ensure!(h.leftovers()?.is_empty());
        let left = elb_and_acm_left(&h, &theirs)?;
        ensure!(left.is_empty(), "left: {left:?}");
        Ok(())
    });
}

#[test]
fn a_failure_at_any_create_or_delete_call_leaves_nothing_after_destroy() {
    let h = Harness::start_with_proxy().unwrap();
    let p = platform::make_blocking(&h.probe()).unwrap();
    let theirs = platform_certificate(&h, &p).unwrap();
    let cfg = load_balancer(
        &p,
        "  domain_name = \"senas.example.org\"\n  access_logs = true\n",
    );
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", &cfg)
        .unwrap();
    wd.init().unwrap();
    let report = fault_sweep::run(&h, &wd, Sweep::CreateAndDelete).unwrap();
    for action in [
        "CreateSecurityGroup",
        "ImportCertificate",
        "CreateBucket",
        "CreateLoadBalancer",
        "CreateListener",
    ] {
        assert!(
            report.create_points.iter().any(|a| a == action),
            "{action} not swept: {report:?}"
        );
    }
    for action in ["DeleteListener", "DeleteLoadBalancer", "DeleteCertificate"] {
        assert!(
            report.delete_points.iter().any(|a| a == action),
            "{action} not swept: {report:?}"
        );
    }
    let left = elb_and_acm_left(&h, &theirs).unwrap();
    assert!(left.is_empty(), "left: {left:?}");
}
