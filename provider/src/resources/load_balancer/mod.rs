//! `blueprint_load_balancer`: seed 001's internet-facing ALB, HTTPS only, on the children table.
//!
//! Children (see the declaration): the security group, the self-signed certificate (only
//! without `certificate_arn`) and the access-log bucket (only with access logs), then the load
//! balancer, then its HTTPS and HTTP listeners. Each child's operations are in the file named
//! for it; the engine runs them. Observed settings (`ingress_rules`, `*_settings`) are what read
//! saw; the plan sets them to [`desired`] values, so drift shows as an in-place update.

use blueprint_declarations::composites::load_balancer as declaration;

mod balancer;
mod bucket;
mod certificate;
mod listener;
mod security_group;

use std::collections::BTreeMap;

use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx, Recorder};
use crate::tf_value::{entries, known, list, map, strings, StringList, StringMap};
use crate::types::sg_rule::{canonical_set, parse_cidr, to_strings, Protocol, SgRule, Source};

/// The resource type.
pub const TYPE_NAME: &str = "blueprint_load_balancer";

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadBalancerState {
    /// The load balancer's ARN.
    pub id: Value<String>,
    /// Name of the load balancer and prefix of its children.
    pub name: Value<String>,
    /// `dev` or `prod`.
    pub profile: Value<String>,
    /// The VPC.
    pub vpc_id: Value<String>,
    /// The public subnets.
    pub public_subnet_ids: StringList,
    /// The caller's ACM certificate.
    pub certificate_arn: Value<String>,
    /// Domain of the self-signed certificate.
    pub domain_name: Value<String>,
    /// Security policy of the HTTPS listener.
    pub ssl_policy: Value<String>,
    /// Who may connect.
    pub ingress_cidr_blocks: StringList,
    /// Deletion protection (null: from the profile).
    pub deletion_protection: Value<bool>,
    /// Access logs (null: from the profile).
    pub access_logs: Value<bool>,
    /// Tags.
    pub tags: StringMap,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// The load balancer's ARN.
    pub arn: Value<String>,
    /// Its DNS name.
    pub dns_name: Value<String>,
    /// Its canonical hosted zone.
    pub zone_id: Value<String>,
    /// Its security group.
    pub security_group_id: Value<String>,
    /// The VPC's CIDR (egress destination).
    pub vpc_cidr_block: Value<String>,
    /// The HTTPS listener.
    pub https_listener_arn: Value<String>,
    /// The HTTP listener.
    pub http_listener_arn: Value<String>,
    /// The imported self-signed certificate.
    pub self_signed_certificate_arn: Value<String>,
    /// The access-log bucket.
    pub access_logs_bucket: Value<String>,
    /// Observed ingress rules.
    pub ingress_rules: StringList,
    /// Observed egress rules.
    pub egress_rules: StringList,
    /// Observed load balancer settings.
    pub load_balancer_settings: StringMap,
    /// Observed HTTPS listener settings.
    pub https_listener_settings: StringMap,
    /// Observed HTTP listener settings.
    pub http_listener_settings: StringMap,
    /// Observed log bucket settings.
    pub access_logs_bucket_settings: StringMap,
}

impl LoadBalancerState {
    fn name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }
    /// `Some(true)` in prod, `Some(false)` in dev, `None` while the profile is unknown.
    fn prod(&self) -> Option<bool> {
        match &self.profile {
            Value::Value(p) => Some(declaration::prod(Some(p))),
            Value::Null => Some(false),
            Value::Unknown => None,
        }
    }
    /// A boolean input with its profile default; `None` while unknown.
    fn by_profile(&self, v: &Value<bool>) -> Option<bool> {
        match v {
            Value::Value(b) => Some(*b),
            Value::Null => self.prod(),
            Value::Unknown => None,
        }
    }
    /// Deletion protection in effect.
    pub fn deletion_protection_on(&self) -> Option<bool> {
        self.by_profile(&self.deletion_protection)
    }
    /// Access logs in effect.
    pub fn access_logs_on(&self) -> Option<bool> {
        self.by_profile(&self.access_logs)
    }
    fn sg_name(&self) -> String {
        format!("{}-alb", self.name())
    }
    fn owner(&self) -> String {
        crate::kinds::ownership::owner(TYPE_NAME, self.name())
    }
    fn tags_all_map(&self) -> BTreeMap<String, String> {
        entries(&self.tags_all)
    }
    /// The tags every child carries: `tags_all` and the owner tag.
    fn child_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&self.tags_all_map(), &self.owner())
    }
    /// The certificate the HTTPS listener serves: `certificate_arn`, else the self-signed one.
    fn served_certificate(&self) -> Value<String> {
        match &self.certificate_arn {
            Value::Null => self.self_signed_certificate_arn.clone(),
            other => other.clone(),
        }
    }
}

/// Values a known, non-empty string holds; unknown otherwise (null where a child will be made).
fn or_unknown(v: &Value<String>) -> Value<String> {
    match v {
        Value::Value(s) if !s.is_empty() => Value::Value(s.clone()),
        _ => Value::Unknown,
    }
}

/// What the arguments ask of each child's observed settings.
pub mod desired {
    use super::*;

    /// The ingress rules: 443 and 80 from each CIDR (`None` while the CIDRs are unknown).
    pub fn ingress(s: &LoadBalancerState) -> Option<Vec<SgRule>> {
        let items = s.ingress_cidr_blocks.as_ref_option()?;
        if items.iter().any(|i| !i.is_value()) {
            return None;
        }
        let cidrs: Vec<Source> = strings(&s.ingress_cidr_blocks)
            .iter()
            .filter_map(|c| parse_cidr(c).ok())
            .map(Source::Cidr)
            .collect();
        Some(canonical_set(cidrs.into_iter().flat_map(|c| {
            [SgRule::tcp(443, c.clone()), SgRule::tcp(80, c)]
        })))
    }

    /// The egress rule: TCP to the VPC's CIDR (`None` until the CIDR is known).
    pub fn egress(s: &LoadBalancerState) -> Option<Vec<SgRule>> {
        let cidr = parse_cidr(known(&s.vpc_cidr_block)?).ok()?;
        Some(vec![SgRule::new(
            Protocol::Tcp,
            0,
            65535,
            Source::Cidr(cidr),
        )])
    }

    fn flag(b: Option<bool>) -> Value<String> {
        match b {
            Some(b) => Value::Value(b.to_string()),
            None => Value::Unknown,
        }
    }

    /// The load balancer's settings.
    pub fn load_balancer(s: &LoadBalancerState) -> StringMap {
        let mut m: BTreeMap<String, Value<String>> = BTreeMap::new();
        m.insert("security_groups".into(), or_unknown(&s.security_group_id));
        let subnets_known = s
            .public_subnet_ids
            .as_ref_option()
            .is_some_and(|l| l.iter().all(|x| x.is_value()));
        m.insert(
            "subnets".into(),
            if subnets_known {
                let mut v = strings(&s.public_subnet_ids);
                v.sort();
                Value::Value(v.join(","))
            } else {
                Value::Unknown
            },
        );
        m.insert(
            "deletion_protection.enabled".into(),
            flag(s.deletion_protection_on()),
        );
        m.insert(
            "routing.http.drop_invalid_header_fields.enabled".into(),
            Value::Value("true".into()),
        );
        let logs = s.access_logs_on();
        m.insert("access_logs.s3.enabled".into(), flag(logs));
        match logs {
            Some(true) => {
                m.insert(
                    "access_logs.s3.bucket".into(),
                    or_unknown(&s.access_logs_bucket),
                );
            }
            Some(false) => {}
            None => {
                m.insert("access_logs.s3.bucket".into(), Value::Unknown);
            }
        }
        Value::Value(m)
    }

    /// The HTTPS listener's settings.
    pub fn https(s: &LoadBalancerState) -> StringMap {
        let mut m: BTreeMap<String, Value<String>> = BTreeMap::new();
        m.insert("protocol".into(), Value::Value("HTTPS".into()));
        m.insert("port".into(), Value::Value("443".into()));
        m.insert(
            "ssl_policy".into(),
            match &s.ssl_policy {
                Value::Null => Value::Value(declaration::DEFAULT_SSL_POLICY.into()),
                other => other.clone(),
            },
        );
        m.insert(
            "certificate_arn".into(),
            or_unknown(&s.served_certificate()),
        );
        m.insert(
            "default_action".into(),
            Value::Value(super::listener::FIXED_404.into()),
        );
        Value::Value(m)
    }

    /// The HTTP listener's settings.
    pub fn http() -> StringMap {
        let mut m: BTreeMap<String, Value<String>> = BTreeMap::new();
        m.insert("protocol".into(), Value::Value("HTTP".into()));
        m.insert("port".into(), Value::Value("80".into()));
        m.insert(
            "default_action".into(),
            Value::Value(super::listener::REDIRECT_HTTPS.into()),
        );
        Value::Value(m)
    }

    /// The log bucket's settings (null without access logs).
    pub fn bucket(s: &LoadBalancerState, clients: Option<&AwsClients>) -> StringMap {
        match s.access_logs_on() {
            Some(true) => Value::Value(
                super::bucket::wanted_settings(clients)
                    .into_iter()
                    .map(|(k, v)| (k, Value::Value(v)))
                    .collect(),
            ),
            Some(false) => Value::Null,
            None => Value::Unknown,
        }
    }
}

/// Fill the derived defaults and the observed attributes' wanted values.
fn derive(s: &mut LoadBalancerState, clients: Option<&AwsClients>) {
    if s.ingress_cidr_blocks.is_null() {
        s.ingress_cidr_blocks = list(vec!["0.0.0.0/0".into()]);
    }
    match clients {
        Some(c) if !s.tags.is_unknown() => {
            let mut all = c.default_tags().clone();
            all.extend(entries(&s.tags));
            s.tags_all = map(all);
        }
        _ => s.tags_all = Value::Unknown,
    }
    s.ingress_rules = match desired::ingress(s) {
        Some(r) => list(to_strings(&r)),
        None => Value::Unknown,
    };
    s.egress_rules = match desired::egress(s) {
        Some(r) => list(to_strings(&r)),
        None => Value::Unknown,
    };
    if s.certificate_arn.is_value() {
        s.self_signed_certificate_arn = Value::Null;
    }
    if s.access_logs_on() == Some(false) {
        s.access_logs_bucket = Value::Null;
    }
    s.load_balancer_settings = desired::load_balancer(s);
    s.https_listener_settings = desired::https(s);
    s.http_listener_settings = desired::http();
    s.access_logs_bucket_settings = desired::bucket(s, clients);
}

/// The composite.
pub struct LoadBalancer;

#[async_trait]
impl Composite for LoadBalancer {
    type State = LoadBalancerState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        match (&config.certificate_arn, &config.domain_name) {
            (Value::Null, Value::Null) => diags.error(
                "Missing domain_name",
                "domain_name: without certificate_arn the load balancer serves a self-signed certificate, which needs a domain_name (e.g. \"app.example.org\"). In production, set certificate_arn to your ACM certificate instead.",
                AttributePath::new("domain_name"),
            ),
            (Value::Value(_), Value::Value(_)) => diags.error(
                "Conflicting domain_name",
                "domain_name: it names the self-signed certificate, which is not made when certificate_arn is set. Remove one of them.",
                AttributePath::new("domain_name"),
            ),
            _ => {}
        }
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) {
        for v in [
            &mut planned.id,
            &mut planned.arn,
            &mut planned.dns_name,
            &mut planned.zone_id,
            &mut planned.security_group_id,
            &mut planned.vpc_cidr_block,
            &mut planned.https_listener_arn,
            &mut planned.http_listener_arn,
            &mut planned.self_signed_certificate_arn,
            &mut planned.access_logs_bucket,
        ] {
            *v = Value::Unknown;
        }
        if let Some(c) = clients {
            certificate_in_region(planned, &c.region(), diags);
        }
        derive(planned, clients);
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        if let Some(c) = clients {
            certificate_in_region(planned, &c.region(), diags);
        }
        // A child to be made again (its id null in the prior state) has unknown outputs: the
        // engine's plan marks them after this; the settings derived from them follow here.
        if prior.security_group_id.is_null() {
            planned.vpc_cidr_block = Value::Unknown;
            planned.security_group_id = Value::Unknown;
        }
        if prior.certificate_arn.is_value() && planned.certificate_arn.is_null() {
            planned.self_signed_certificate_arn = Value::Unknown;
        }
        if prior.access_logs_bucket.is_null() {
            planned.access_logs_bucket = Value::Unknown;
        }
        derive(planned, clients);
        Vec::new()
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![
            Box::new(security_group::SecurityGroup),
            Box::new(certificate::Certificate),
            Box::new(bucket::LogBucket),
            Box::new(balancer::Balancer),
            Box::new(listener::Listener::HTTPS),
            Box::new(listener::Listener::HTTP),
        ]
    }

    async fn update(
        &self,
        ctx: &Ctx,
        prior: &Self::State,
        rec: &Recorder<Self::State>,
    ) -> Result<(), CompositeError> {
        // The engine deletes children no longer wanted before it reconciles the rest; AWS
        // refuses to delete a certificate a listener serves, so the listener moves first.
        listener::release_self_signed(ctx, prior, &rec.snapshot()).await?;
        balancer::release_log_bucket(ctx, prior, &rec.snapshot()).await?;
        self.table()?.update_all(ctx, prior, rec).await
    }

    async fn delete(&self, ctx: &Ctx, state: &Self::State) -> Result<(), CompositeError> {
        let protected = state
            .load_balancer_settings
            .as_ref_option()
            .and_then(|m| m.get("deletion_protection.enabled"))
            .and_then(|v| v.as_ref_option())
            .is_some_and(|v| v == "true");
        if protected && state.arn.is_value() {
            return Err(CompositeError::new(
                "Deletion protection is on",
                format!(
                    "load balancer \"{}\" has deletion protection, so nothing was deleted. Set deletion_protection = false, apply, then destroy.",
                    state.name()
                ),
            ));
        }
        self.table()?.delete_all(ctx, state).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        balancer::import(ctx, id).await
    }
}

/// An ACM certificate serves only load balancers of its own region: `certificate_arn` of
/// another region (known at plan, as the provider's region is) is refused on the attribute.
fn certificate_in_region(config: &LoadBalancerState, region: &str, diags: &mut Diagnostics) {
    let Some(arn) = known(&config.certificate_arn) else {
        return;
    };
    if let Err(e) =
        blueprint_declarations::composites::load_balancer::certificate_region(arn, region)
    {
        diags.error(
            "Certificate of another region",
            format!("certificate_arn: {e}"),
            AttributePath::new("certificate_arn"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> LoadBalancerState {
        LoadBalancerState {
            name: Value::Value("senas".into()),
            profile: Value::Value("dev".into()),
            public_subnet_ids: list(vec!["subnet-2".into(), "subnet-1".into()]),
            domain_name: Value::Value("senas.example.org".into()),
            ..LoadBalancerState::default()
        }
    }

    #[test]
    fn profiles_drive_protection_and_logs_unless_set() {
        let mut s = state();
        assert_eq!(s.deletion_protection_on(), Some(false));
        assert_eq!(s.access_logs_on(), Some(false));
        s.profile = Value::Value("prod".into());
        assert_eq!(s.deletion_protection_on(), Some(true));
        assert_eq!(s.access_logs_on(), Some(true));
        s.access_logs = Value::Value(false);
        assert_eq!(s.access_logs_on(), Some(false));
        s.profile = Value::Unknown;
        assert_eq!(s.deletion_protection_on(), None);
    }

    #[test]
    fn the_plan_derives_rules_and_settings() {
        let mut s = state();
        LoadBalancer.plan_create(&mut s, None, &mut Diagnostics::default());
        assert_eq!(
            strings(&s.ingress_rules),
            ["tcp 80-80 0.0.0.0/0", "tcp 443-443 0.0.0.0/0"]
        );
        // The VPC's CIDR is read when the group is made.
        assert!(s.egress_rules.is_unknown());
        let lb = s.load_balancer_settings.as_ref_option().unwrap();
        assert_eq!(lb["subnets"], Value::Value("subnet-1,subnet-2".into()));
        assert!(lb["security_groups"].is_unknown());
        assert_eq!(
            lb["deletion_protection.enabled"],
            Value::Value("false".into())
        );
        assert!(!lb.contains_key("access_logs.s3.bucket"));
        assert!(s.access_logs_bucket.is_null());
        assert!(s.access_logs_bucket_settings.is_null());
        let https = s.https_listener_settings.as_ref_option().unwrap();
        assert_eq!(
            https["ssl_policy"],
            Value::Value(declaration::DEFAULT_SSL_POLICY.into())
        );
        assert!(https["certificate_arn"].is_unknown());
        s.vpc_cidr_block = Value::Value("10.20.0.0/16".into());
        derive(&mut s, None);
        assert_eq!(strings(&s.egress_rules), ["tcp 0-65535 10.20.0.0/16"]);
    }

    #[test]
    fn a_given_certificate_is_served_and_no_self_signed_one_is_planned() {
        let mut s = state();
        s.domain_name = Value::Null;
        s.certificate_arn = Value::Value("arn:aws:acm:us-east-1:1:certificate/x".into());
        LoadBalancer.plan_create(&mut s, None, &mut Diagnostics::default());
        assert!(s.self_signed_certificate_arn.is_null());
        assert_eq!(
            s.https_listener_settings.as_ref_option().unwrap()["certificate_arn"],
            Value::Value("arn:aws:acm:us-east-1:1:certificate/x".into())
        );
    }

    #[test]
    fn domain_name_goes_with_the_self_signed_certificate_only() {
        let mut d = Diagnostics::default();
        let mut s = state();
        LoadBalancer.validate(&s, &mut d);
        assert!(d.errors.is_empty());
        s.domain_name = Value::Null;
        LoadBalancer.validate(&s, &mut d);
        assert_eq!(d.errors.len(), 1);
        s.domain_name = Value::Value("a.example.org".into());
        s.certificate_arn = Value::Value("arn:aws:acm:us-east-1:1:certificate/x".into());
        LoadBalancer.validate(&s, &mut d);
        assert_eq!(d.errors.len(), 2);
        s.domain_name = Value::Unknown;
        LoadBalancer.validate(&s, &mut d);
        assert_eq!(d.errors.len(), 2);
    }
}
