//! `alb-https`: ALB listeners serve HTTPS with a TLS 1.2+ policy; HTTP only redirects to HTTPS.

use super::support::referenced;
use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct AlbHttps;

static META: RuleMeta = RuleMeta {
    id: "alb-https",
    title: "Load balancers serve HTTPS",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Encryption in transit: TLS on ALB",
    },
    description: "Load balancer listeners on HTTP redirect to HTTPS, and HTTPS listeners use a TLS 1.2+ security policy.",
    fix: "Make the HTTP listener's default action a `redirect` with `protocol = \"HTTPS\"`, and set `ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"` on the HTTPS listener.",
    checkov: &["CKV_AWS_2", "CKV_AWS_103", "CKV2_AWS_20"],
    trivy: &["AVD-AWS-0054", "AVD-AWS-0047"],
    checks: r##"`aws_lb_listener` / `aws_alb_listener` of application load balancers:

- `protocol = "HTTP"` (the default) whose default actions do not include a `redirect` to `HTTPS`;
- `protocol = "HTTPS"` without `ssl_policy` (the default ELBSecurityPolicy-2016-08 accepts TLS 1.0) or with a policy that accepts versions before TLS 1.2 (e.g. `ELBSecurityPolicy-TLS13-1-0-2021-06`).

Listeners of network load balancers (`load_balancer_type = "network"`) are skipped."##,
    notes: "",
    reads: &["aws_alb_listener", "aws_lb_listener"],
    prod_only: false,
};

/// Security policies that allow only TLS 1.2 and later.
fn is_tls12_policy(p: &str) -> bool {
    ["TLS13-1-2", "TLS13-1-3", "TLS-1-2", "TLS-1-3", "FS-1-2"]
        .iter()
        .any(|m| p.contains(m))
}

impl Rule for AlbHttps {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for l in ctx.model.of_types(&["aws_lb_listener", "aws_alb_listener"]) {
            let a = &l.attributes;
            // Skip listeners of network and gateway load balancers.
            if let Some(lb) = referenced(ctx.model, a.get("load_balancer_arn")) {
                if !matches!(lb.attributes.get("load_balancer_type"), Value::Null)
                    && lb.attributes.get("load_balancer_type").as_str() != Some("application")
                {
                    continue;
                }
            }
            let protocol = match a.get("protocol") {
                Value::Null => Some("HTTP".to_string()),
                v => v.as_str().map(|s| s.to_ascii_uppercase()),
            };
            match protocol.as_deref() {
                Some("HTTP") => {
                    let actions = a.blocks("default_action");
                    let mut redirects = false;
                    let mut unknown = actions.is_empty();
                    for (_, act) in &actions {
                        match act.get("type").as_str() {
                            Some("redirect") => {
                                let to = act
                                    .blocks("redirect")
                                    .first()
                                    .map(|(_, r)| r.get("protocol").clone())
                                    .unwrap_or(Value::Null);
                                match to.as_str() {
                                    Some(p) if p.eq_ignore_ascii_case("HTTPS") => redirects = true,
                                    Some(_) => {}
                                    None => unknown |= to.is_unknown(),
                                }
                            }
                            Some(_) => {}
                            None => unknown = true,
                        }
                    }
                    if !redirects && !unknown {
                        out.push(ctx.finding(
                            &META,
                            l,
                            crate::path!["protocol"],
                            "HTTP listener does not redirect to HTTPS".to_string(),
                        ));
                    }
                }
                Some("HTTPS") | Some("TLS") => match a.get("ssl_policy") {
                    Value::Null => out.push(ctx.finding(
                        &META,
                        l,
                        crate::path!["protocol"],
                        "no `ssl_policy`: the default ELBSecurityPolicy-2016-08 allows TLS 1.0 and 1.1"
                            .to_string(),
                    )),
                    Value::String(p) if !is_tls12_policy(p) => out.push(ctx.finding(
                        &META,
                        l,
                        crate::path!["ssl_policy"],
                        format!("`{p}` allows TLS versions older than 1.2"),
                    )),
                    _ => {}
                },
                _ => {}
            }
        }
        out
    }
}
