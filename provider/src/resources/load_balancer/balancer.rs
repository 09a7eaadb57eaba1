//! The load balancer itself: internet-facing, `application`, in the public subnets with the
//! security group; its attributes (deletion protection, header dropping, access logs) and
//! security groups and subnets are observed and repaired. Also the import, which starts here.

use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
};

use super::{desired, tagging, LoadBalancerState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, Composite, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned, OWNER_TAG};
use crate::tf_value::{known, list, map, strings};
use crate::types::sg_rule::{Protocol, Source};

/// The load balancer child.
pub struct Balancer;

/// The attributes this resource manages, and what an absent one means.
const MANAGED: &[(&str, &str)] = &[
    ("deletion_protection.enabled", "false"),
    ("routing.http.drop_invalid_header_fields.enabled", "false"),
    ("access_logs.s3.enabled", "false"),
];

const NOT_FOUND: &str = "LoadBalancerNotFound";

/// What describing a load balancer tells.
struct Seen {
    name: String,
    vpc_id: String,
    dns_name: String,
    zone_id: String,
    security_groups: Vec<String>,
    /// The subnets in the order AWS lists them.
    subnets: Vec<String>,
    settings: BTreeMap<String, String>,
}

async fn describe(ctx: &Ctx, arn: &str) -> Result<Option<Seen>, CompositeError> {
    let elb = ctx.clients.elbv2();
    let out = match elb
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if error_code(&e).as_deref() == Some(NOT_FOUND) => return Ok(None),
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading load balancer {arn}"),
                &e,
            ))
        }
    };
    let Some(lb) = out.load_balancers().first() else {
        return Ok(None);
    };
    let attrs = match elb
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if error_code(&e).as_deref() == Some(NOT_FOUND) => return Ok(None),
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Reading the attributes of {arn}"),
                &e,
            ))
        }
    };
    let given: BTreeMap<&str, &str> = attrs
        .attributes()
        .iter()
        .filter_map(|a| Some((a.key()?, a.value().unwrap_or_default())))
        .collect();
    let mut settings = BTreeMap::new();
    for (k, absent) in MANAGED {
        let v = given.get(k).copied().unwrap_or(absent);
        settings.insert(k.to_string(), v.to_string());
    }
    if settings["access_logs.s3.enabled"] == "true" {
        settings.insert(
            "access_logs.s3.bucket".into(),
            given
                .get("access_logs.s3.bucket")
                .copied()
                .unwrap_or_default()
                .to_string(),
        );
    }
    let mut sgs: Vec<String> = lb.security_groups().to_vec();
    sgs.sort();
    settings.insert("security_groups".into(), sgs.join(","));
    let listed: Vec<String> = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.subnet_id().map(str::to_string))
        .collect();
    let mut subnets = listed.clone();
    subnets.sort();
    settings.insert("subnets".into(), subnets.join(","));
    Ok(Some(Seen {
        name: lb.load_balancer_name().unwrap_or_default().to_string(),
        vpc_id: lb.vpc_id().unwrap_or_default().to_string(),
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        zone_id: lb
            .canonical_hosted_zone_id()
            .unwrap_or_default()
            .to_string(),
        security_groups: sgs,
        subnets: listed,
        settings,
    }))
}

/// The known entries of the wanted settings.
fn wanted(s: &LoadBalancerState) -> BTreeMap<String, String> {
    crate::tf_value::entries(&desired::load_balancer(s))
}

/// Change what differs between `have` and `want` (the security groups and subnets only when
/// `have` says them).
async fn converge(
    ctx: &Ctx,
    arn: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), CompositeError> {
    let elb = ctx.clients.elbv2();
    let differs = |k: &str| want.get(k).is_some_and(|w| have.get(k) != Some(w));
    let split = |k: &str| -> Vec<String> {
        want.get(k)
            .map(|v| {
                v.split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    if have.contains_key("security_groups") && differs("security_groups") {
        elb.set_security_groups()
            .load_balancer_arn(arn)
            .set_security_groups(Some(split("security_groups")))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Setting the security group of {arn}"), &e))?;
    }
    if have.contains_key("subnets") && differs("subnets") {
        elb.set_subnets()
            .load_balancer_arn(arn)
            .set_subnets(Some(split("subnets")))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Setting the subnets of {arn}"), &e))?;
    }
    let keys = [
        "deletion_protection.enabled",
        "routing.http.drop_invalid_header_fields.enabled",
        "access_logs.s3.enabled",
        "access_logs.s3.bucket",
    ];
    if keys.iter().any(|k| differs(k)) {
        let attrs: Vec<LoadBalancerAttribute> = keys
            .iter()
            .filter_map(|k| {
                let v = want.get(*k).cloned().or_else(|| {
                    // Logs off: the bucket is cleared with them.
                    (*k == "access_logs.s3.bucket").then(String::new)
                })?;
                Some(LoadBalancerAttribute::builder().key(*k).value(v).build())
            })
            .collect();
        elb.modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(attrs))
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Setting the attributes of {arn}"), &e))?;
    }
    Ok(())
}

/// A load balancer named `name` made by this resource (an interrupted create); `None` when
/// there is none.
async fn existing(ctx: &Ctx, s: &LoadBalancerState) -> Result<Option<String>, CompositeError> {
    let name = s.name();
    let out = match ctx
        .clients
        .elbv2()
        .describe_load_balancers()
        .names(name)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if error_code(&e).as_deref() == Some(NOT_FOUND) => return Ok(None),
        Err(e) => {
            return Err(CompositeError::aws(
                format!("Finding load balancer \"{name}\""),
                &e,
            ))
        }
    };
    let Some(arn) = out
        .load_balancers()
        .iter()
        .find(|l| l.load_balancer_name() == Some(name))
        .and_then(|l| l.load_balancer_arn())
    else {
        return Ok(None);
    };
    let tags = tagging::elb_read(ctx, arn).await?;
    if owned(
        tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &s.owner(),
    ) {
        Ok(Some(arn.to_string()))
    } else {
        Err(not_ours(&format!("load balancer \"{name}\""), &s.owner()))
    }
}

fn record_seen(s: &mut LoadBalancerState, arn: &str, seen: &Seen) {
    s.arn = Value::Value(arn.to_string());
    s.id = Value::Value(arn.to_string());
    s.dns_name = Value::Value(seen.dns_name.clone());
    s.zone_id = Value::Value(seen.zone_id.clone());
}

#[async_trait]
impl ChildOps<LoadBalancerState> for Balancer {
    fn name(&self) -> &'static str {
        "load_balancer"
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let name = s.name().to_string();
        let arn = match existing(ctx, &s).await? {
            Some(arn) => arn,
            None => {
                let out = ctx
                    .clients
                    .elbv2()
                    .create_load_balancer()
                    .name(&name)
                    .r#type(LoadBalancerTypeEnum::Application)
                    .scheme(LoadBalancerSchemeEnum::InternetFacing)
                    .ip_address_type(IpAddressType::Ipv4)
                    .set_subnets(Some(strings(&s.public_subnet_ids)))
                    .security_groups(known(&s.security_group_id).unwrap_or_default())
                    .set_tags(Some(tagging::elb_tags(&s.child_tags())))
                    .send()
                    .await
                    .map_err(|e| {
                        CompositeError::aws(format!("Creating load balancer \"{name}\""), &e)
                    })?;
                out.load_balancers()
                    .first()
                    .and_then(|l| l.load_balancer_arn())
                    .unwrap_or_default()
                    .to_string()
            }
        };
        rec.record(|s| {
            s.arn = Value::Value(arn.clone());
            s.id = Value::Value(arn.clone());
        });
        let Some(seen) = describe(ctx, &arn).await? else {
            return Err(CompositeError::new(
                format!("Load balancer \"{name}\" vanished"),
                "it was deleted while being made; apply again",
            ));
        };
        rec.record(|s| record_seen(s, &arn, &seen));
        let want = wanted(&rec.snapshot());
        converge(ctx, &arn, &seen.settings, &want).await?;
        rec.record(|s| s.load_balancer_settings = map(want));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let arn = known(&s.arn).unwrap_or_default().to_string();
        match describe(ctx, &arn).await? {
            None => Ok(Found::Gone),
            Some(seen) => {
                rec.record(|s| {
                    record_seen(s, &arn, &seen);
                    s.load_balancer_settings = map(seen.settings.clone());
                });
                Ok(Found::Present)
            }
        }
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &LoadBalancerState,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let arn = known(&s.arn).unwrap_or_default().to_string();
        if prior.tags_all != s.tags_all {
            tagging::elb(ctx, &arn, &prior.child_tags(), &s.child_tags()).await?;
        }
        let have = crate::tf_value::entries(&prior.load_balancer_settings);
        let want = wanted(&s);
        converge(ctx, &arn, &have, &want).await?;
        rec.record(|s| s.load_balancer_settings = map(want));
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &LoadBalancerState) -> Result<(), CompositeError> {
        let Some(arn) = known(&state.arn) else {
            return Ok(());
        };
        done_unless_gone(
            ctx.clients
                .elbv2()
                .delete_load_balancer()
                .load_balancer_arn(arn)
                .send()
                .await,
            NOT_FOUND,
            format!("Deleting load balancer {arn}"),
        )
    }
}

/// Before the engine deletes a log bucket no longer wanted, stop the load balancer writing to
/// it.
pub async fn release_log_bucket(
    ctx: &Ctx,
    prior: &LoadBalancerState,
    planned: &LoadBalancerState,
) -> Result<(), CompositeError> {
    let (Some(arn), true, Some(false)) = (
        known(&prior.arn),
        prior.access_logs_bucket.is_value(),
        planned.access_logs_on(),
    ) else {
        return Ok(());
    };
    let attrs = vec![LoadBalancerAttribute::builder()
        .key("access_logs.s3.enabled")
        .value("false")
        .build()];
    done_unless_gone(
        ctx.clients
            .elbv2()
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(attrs))
            .send()
            .await,
        NOT_FOUND,
        format!("Turning off the access logs of {arn}"),
    )
}

/// Build the state of the load balancer `arn` and its children, then read every child.
pub async fn import(ctx: &Ctx, arn: &str) -> Result<LoadBalancerState, CompositeError> {
    let not_lb = || {
        CompositeError::new(
            "Cannot import blueprint_load_balancer",
            format!("\"{arn}\" is not the ARN of an existing load balancer (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID)."),
        )
    };
    if !arn.contains(":loadbalancer/app/") {
        return Err(not_lb());
    }
    let seen = describe(ctx, arn).await?.ok_or_else(not_lb)?;
    let mut s = LoadBalancerState {
        name: Value::Value(seen.name.clone()),
        vpc_id: Value::Value(seen.vpc_id.clone()),
        ssl_policy: Value::Value(super::declaration::DEFAULT_SSL_POLICY.into()),
        ..LoadBalancerState::default()
    };
    record_seen(&mut s, arn, &seen);
    let owner = s.owner();
    // In the order AWS lists them (the configuration's order cannot be known).
    s.public_subnet_ids = list(seen.subnets.clone());

    // Tags: the load balancer's, less the owner tag; `tags` less the provider's defaults.
    let mut all = tagging::elb_read(ctx, arn).await?;
    all.remove(OWNER_TAG);
    let defaults = ctx.clients.default_tags();
    let user: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    s.tags = if user.is_empty() {
        Value::Null
    } else {
        map(user)
    };
    s.tags_all = map(all);

    // Profile: prod when both of its defaults are on; the two inputs only where they differ.
    let on = |k: &str| seen.settings.get(k).map(String::as_str) == Some("true");
    let protection = on("deletion_protection.enabled");
    let logs = on("access_logs.s3.enabled");
    let prod = protection && logs;
    s.profile = Value::Value(if prod { "prod" } else { "dev" }.into());
    s.deletion_protection = if protection == prod {
        Value::Null
    } else {
        Value::Value(protection)
    };
    s.access_logs = if logs == prod {
        Value::Null
    } else {
        Value::Value(logs)
    };
    if logs {
        s.access_logs_bucket = seen
            .settings
            .get("access_logs.s3.bucket")
            .filter(|b| !b.is_empty())
            .cloned()
            .map_or(Value::Null, Value::Value);
    }

    // The security group: the one named NAME-alb, else the first.
    let sg_name = s.sg_name();
    let groups = ctx
        .clients
        .ec2()
        .describe_security_groups()
        .set_group_ids(Some(seen.security_groups.clone()))
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the security groups of {arn}"), &e))?;
    let group = groups
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some(sg_name.as_str()))
        .or_else(|| groups.security_groups().first());
    if let Some(g) = group {
        s.security_group_id = Value::Value(g.group_id().unwrap_or_default().to_string());
        let ingress = crate::types::sg_rule::from_permissions(g.ip_permissions());
        let mut cidrs: Vec<String> = Vec::new();
        for r in ingress {
            if r.protocol == Protocol::Tcp && r.from == 443 && r.to == 443 {
                if let Source::Cidr(c) = r.source {
                    cidrs.push(c.to_string());
                }
            }
        }
        s.ingress_cidr_blocks = list(cidrs);
        let vpc = ctx
            .clients
            .ec2()
            .describe_vpcs()
            .vpc_ids(&seen.vpc_id)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading VPC {}", seen.vpc_id), &e))?;
        s.vpc_cidr_block = vpc
            .vpcs()
            .first()
            .and_then(|v| v.cidr_block())
            .map_or(Value::Null, |c| Value::Value(c.to_string()));
    }

    // The listeners, by port; the certificate the HTTPS one serves.
    super::listener::import(ctx, arn, &owner, &mut s).await?;

    let rec = Recorder::new(s);
    super::LoadBalancer.table()?.read_all(ctx, &rec).await?;
    let mut s = rec.snapshot();
    if s.ingress_cidr_blocks
        .as_ref_option()
        .is_some_and(|l| l.is_empty())
    {
        s.ingress_cidr_blocks = Value::Null;
    }
    Ok(s)
}
