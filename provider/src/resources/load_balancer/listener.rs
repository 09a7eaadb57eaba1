//! The two listeners: HTTPS on 443 (TLS 1.2+ policy, the certificate, a fixed 404 by default,
//! rules added by `blueprint_secure_service`) and HTTP on 80 (only a 301 redirect to HTTPS).
//! Each one's settings are observed as a map and repaired to what the arguments say.

use std::collections::BTreeMap;

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, ProtocolEnum,
    RedirectActionConfig, RedirectActionStatusCodeEnum,
};

use super::{desired, tagging, LoadBalancerState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{done_unless_gone, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::{not_ours, owned};
use crate::tf_value::{entries, known, map};

/// How the HTTPS listener's default action reads in its settings.
pub const FIXED_404: &str = "fixed-response 404 text/plain";
/// How the HTTP listener's default action reads in its settings.
pub const REDIRECT_HTTPS: &str = "redirect HTTPS:443 HTTP_301";

const NOT_FOUND: &str = "ListenerNotFound";

/// Which listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// HTTPS on 443.
    Https,
    /// HTTP on 80, redirecting.
    Http,
}

impl Listener {
    /// The HTTPS listener.
    pub const HTTPS: Listener = Listener::Https;
    /// The HTTP listener.
    pub const HTTP: Listener = Listener::Http;

    fn port(self) -> i32 {
        match self {
            Listener::Https => 443,
            Listener::Http => 80,
        }
    }

    fn arn(self, s: &LoadBalancerState) -> Option<&str> {
        match self {
            Listener::Https => known(&s.https_listener_arn),
            Listener::Http => known(&s.http_listener_arn),
        }
    }

    fn set(
        self,
        s: &mut LoadBalancerState,
        arn: Value<String>,
        settings: BTreeMap<String, String>,
    ) {
        match self {
            Listener::Https => {
                s.https_listener_arn = arn;
                s.https_listener_settings = map(settings);
            }
            Listener::Http => {
                s.http_listener_arn = arn;
                s.http_listener_settings = map(settings);
            }
        }
    }

    fn have(self, s: &LoadBalancerState) -> BTreeMap<String, String> {
        entries(match self {
            Listener::Https => &s.https_listener_settings,
            Listener::Http => &s.http_listener_settings,
        })
    }

    fn want(self, s: &LoadBalancerState) -> BTreeMap<String, String> {
        entries(&match self {
            Listener::Https => desired::https(s),
            Listener::Http => desired::http(),
        })
    }

    fn default_action(self) -> Action {
        match self {
            Listener::Https => Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .status_code("404")
                        .content_type("text/plain")
                        .build(),
                )
                .build(),
            Listener::Http => Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code(RedirectActionStatusCodeEnum::Http301)
                        .build(),
                )
                .build(),
        }
    }

    fn protocol(self) -> ProtocolEnum {
        match self {
            Listener::Https => ProtocolEnum::Https,
            Listener::Http => ProtocolEnum::Http,
        }
    }
}

/// How an action reads in the settings.
fn describe_action(a: &Action) -> String {
    match a.r#type() {
        Some(ActionTypeEnum::FixedResponse) => {
            let c = a.fixed_response_config();
            format!(
                "fixed-response {} {}",
                c.and_then(|c| c.status_code()).unwrap_or_default(),
                c.and_then(|c| c.content_type()).unwrap_or_default()
            )
        }
        Some(ActionTypeEnum::Redirect) => {
            let c = a.redirect_config();
            format!(
                "redirect {}:{} {}",
                c.and_then(|c| c.protocol()).unwrap_or_default(),
                c.and_then(|c| c.port()).unwrap_or_default(),
                c.and_then(|c| c.status_code())
                    .map(|c| c.as_str())
                    .unwrap_or_default()
            )
        }
        Some(other) => other.as_str().to_string(),
        None => "none".into(),
    }
}

/// The settings of a described listener.
fn settings(
    kind: Listener,
    l: &aws_sdk_elasticloadbalancingv2::types::Listener,
) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert(
        "protocol".to_string(),
        l.protocol()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
    );
    m.insert(
        "port".to_string(),
        l.port().map(|p| p.to_string()).unwrap_or_default(),
    );
    if kind == Listener::Https {
        m.insert(
            "ssl_policy".to_string(),
            l.ssl_policy().unwrap_or_default().to_string(),
        );
        m.insert(
            "certificate_arn".to_string(),
            l.certificates()
                .first()
                .and_then(|c| c.certificate_arn())
                .unwrap_or_default()
                .to_string(),
        );
    }
    let actions: Vec<String> = l.default_actions().iter().map(describe_action).collect();
    m.insert("default_action".to_string(), actions.join("; "));
    m
}

async fn describe(
    ctx: &Ctx,
    arn: &str,
) -> Result<Option<aws_sdk_elasticloadbalancingv2::types::Listener>, CompositeError> {
    match ctx
        .clients
        .elbv2()
        .describe_listeners()
        .listener_arns(arn)
        .send()
        .await
    {
        Ok(o) => Ok(o.listeners().first().cloned()),
        Err(e)
            if matches!(
                error_code(&e).as_deref(),
                Some(NOT_FOUND) | Some("LoadBalancerNotFound")
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(CompositeError::aws(format!("Reading listener {arn}"), &e)),
    }
}

/// Set the listener to everything `s` asks.
async fn modify(
    ctx: &Ctx,
    kind: Listener,
    arn: &str,
    s: &LoadBalancerState,
) -> Result<(), CompositeError> {
    let want = kind.want(s);
    let mut call = ctx
        .clients
        .elbv2()
        .modify_listener()
        .listener_arn(arn)
        .protocol(kind.protocol())
        .port(kind.port())
        .default_actions(kind.default_action());
    if kind == Listener::Https {
        call = call
            .set_ssl_policy(want.get("ssl_policy").cloned())
            .certificates(
                Certificate::builder()
                    .set_certificate_arn(want.get("certificate_arn").cloned())
                    .build(),
            );
    }
    call.send()
        .await
        .map_err(|e| CompositeError::aws(format!("Setting listener {arn}"), &e))?;
    Ok(())
}

/// The listener on `port` of `lb`, if any.
async fn on_port(
    ctx: &Ctx,
    lb: &str,
    port: i32,
) -> Result<Option<aws_sdk_elasticloadbalancingv2::types::Listener>, CompositeError> {
    let out = ctx
        .clients
        .elbv2()
        .describe_listeners()
        .load_balancer_arn(lb)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Listing the listeners of {lb}"), &e))?;
    Ok(out
        .listeners()
        .iter()
        .find(|l| l.port() == Some(port))
        .cloned())
}

#[async_trait]
impl ChildOps<LoadBalancerState> for Listener {
    fn name(&self) -> &'static str {
        match self {
            Listener::Https => "https_listener",
            Listener::Http => "http_listener",
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let kind = *self;
        let s = rec.snapshot();
        let lb = known(&s.arn).unwrap_or_default().to_string();
        let want = kind.want(&s);
        let mut call = ctx
            .clients
            .elbv2()
            .create_listener()
            .load_balancer_arn(&lb)
            .protocol(kind.protocol())
            .port(kind.port())
            .default_actions(kind.default_action())
            .set_tags(Some(tagging::elb_tags(&s.child_tags())));
        if kind == Listener::Https {
            call = call
                .set_ssl_policy(want.get("ssl_policy").cloned())
                .certificates(
                    Certificate::builder()
                        .set_certificate_arn(want.get("certificate_arn").cloned())
                        .build(),
                );
        }
        let arn = match call.send().await {
            Ok(out) => out
                .listeners()
                .first()
                .and_then(|l| l.listener_arn())
                .unwrap_or_default()
                .to_string(),
            // Made by an interrupted create of this resource: adopt it and set it as wanted.
            Err(e) if error_code(&e).as_deref() == Some("DuplicateListener") => {
                let found = on_port(ctx, &lb, kind.port()).await?;
                let arn = found
                    .and_then(|l| l.listener_arn().map(str::to_string))
                    .unwrap_or_default();
                let tags = tagging::elb_read(ctx, &arn).await?;
                let what = format!("listener on port {} of {lb}", kind.port());
                if !owned(
                    tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    &s.owner(),
                ) {
                    return Err(not_ours(&what, &s.owner()));
                }
                rec.record(|s| kind.set(s, Value::Value(arn.clone()), BTreeMap::new()));
                modify(ctx, kind, &arn, &s).await?;
                arn
            }
            Err(e) => {
                return Err(CompositeError::aws(
                    format!("Creating the {} listener of {lb}", kind.protocol().as_str()),
                    &e,
                ))
            }
        };
        rec.record(|s| kind.set(s, Value::Value(arn), want));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<Found, CompositeError> {
        let kind = *self;
        let s = rec.snapshot();
        let arn = kind.arn(&s).unwrap_or_default().to_string();
        match describe(ctx, &arn).await? {
            None => Ok(Found::Gone),
            Some(l) => {
                let seen = settings(kind, &l);
                rec.record(|s| kind.set(s, Value::Value(arn), seen));
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
        let kind = *self;
        let s = rec.snapshot();
        let arn = kind.arn(&s).unwrap_or_default().to_string();
        if prior.tags_all != s.tags_all {
            tagging::elb(ctx, &arn, &prior.child_tags(), &s.child_tags()).await?;
        }
        let want = kind.want(&s);
        if kind.have(prior) != want {
            modify(ctx, kind, &arn, &s).await?;
        }
        rec.record(|s| kind.set(s, Value::Value(arn), want));
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &LoadBalancerState) -> Result<(), CompositeError> {
        let Some(arn) = self.arn(state) else {
            return Ok(());
        };
        done_unless_gone(
            ctx.clients
                .elbv2()
                .delete_listener()
                .listener_arn(arn)
                .send()
                .await,
            NOT_FOUND,
            format!("Deleting listener {arn}"),
        )
    }
}

/// Before the engine deletes the self-signed certificate (now that `certificate_arn` is set),
/// move the HTTPS listener to the given certificate: ACM refuses to delete one in use.
pub async fn release_self_signed(
    ctx: &Ctx,
    prior: &LoadBalancerState,
    planned: &LoadBalancerState,
) -> Result<(), CompositeError> {
    let (Some(arn), true, Some(cert)) = (
        known(&prior.https_listener_arn),
        prior.self_signed_certificate_arn.is_value(),
        known(&planned.certificate_arn),
    ) else {
        return Ok(());
    };
    done_unless_gone(
        ctx.clients
            .elbv2()
            .modify_listener()
            .listener_arn(arn)
            .certificates(Certificate::builder().certificate_arn(cert).build())
            .send()
            .await,
        NOT_FOUND,
        format!("Moving listener {arn} to certificate {cert}"),
    )
}

/// Import: the listeners of `lb` by port, the HTTPS one's policy and certificate (the
/// self-signed one when it carries `owner`'s tag, with its domain).
pub async fn import(
    ctx: &Ctx,
    lb: &str,
    owner: &str,
    s: &mut LoadBalancerState,
) -> Result<(), CompositeError> {
    if let Some(l) = on_port(ctx, lb, 80).await? {
        s.http_listener_arn = l
            .listener_arn()
            .map_or(Value::Null, |a| Value::Value(a.into()));
    }
    let Some(l) = on_port(ctx, lb, 443).await? else {
        return Ok(());
    };
    s.https_listener_arn = l
        .listener_arn()
        .map_or(Value::Null, |a| Value::Value(a.into()));
    if let Some(p) = l.ssl_policy() {
        s.ssl_policy = Value::Value(p.to_string());
    }
    let Some(cert) = l.certificates().first().and_then(|c| c.certificate_arn()) else {
        return Ok(());
    };
    let acm = ctx.clients.acm();
    let tags = acm
        .list_tags_for_certificate()
        .certificate_arn(cert)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the tags of {cert}"), &e))?;
    let ours = owned(
        tags.tags()
            .iter()
            .map(|t| (t.key(), t.value().unwrap_or_default())),
        owner,
    );
    if ours {
        let d = acm
            .describe_certificate()
            .certificate_arn(cert)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading certificate {cert}"), &e))?;
        s.self_signed_certificate_arn = Value::Value(cert.to_string());
        s.domain_name = d
            .certificate()
            .and_then(|c| c.domain_name())
            .map_or(Value::Null, |d| Value::Value(d.to_string()));
    } else {
        s.certificate_arn = Value::Value(cert.to_string());
    }
    Ok(())
}
