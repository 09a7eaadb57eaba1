//! The self-signed certificate for tests and demos: made with rcgen for `domain_name`, imported
//! into ACM, its private key dropped right after (never in state, plan or logs: every form it
//! could be logged in is registered with the log redactor first).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::tf::Value;
use async_trait::async_trait;
use aws_sdk_acm::primitives::Blob;
use base64::Engine;

use super::{tagging, LoadBalancerState};
use crate::clients::error_code;
use crate::composite::engine::{ChildOps, Found};
use crate::composite::{delete_retrying, CompositeError, Ctx, Recorder};
use crate::kinds::ownership::owned;
use crate::tf_value::known;

/// How long the certificate is valid, in days from today.
pub const VALID_DAYS: i64 = 395;

/// The certificate child.
pub struct Certificate;

/// A certificate and its key, PEM.
pub struct Pems {
    /// The certificate.
    pub cert: String,
    /// The PKCS#8 private key.
    pub key: String,
}

/// `(year, month, day)` of the day `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m as u8, d as u8)
}

/// A self-signed ECDSA P-256 certificate for `domain`, valid from yesterday for
/// [`VALID_DAYS`].
pub fn self_signed(domain: &str) -> Result<Pems, CompositeError> {
    let fail = |e: rcgen::Error| {
        CompositeError::new(
            format!("Making a self-signed certificate for \"{domain}\""),
            e.to_string(),
        )
    };
    let mut params = rcgen::CertificateParams::new(vec![domain.to_string()]).map_err(fail)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, domain);
    params.distinguished_name.push(
        rcgen::DnType::OrganizationName,
        "Blueprint self-signed (tests and demos)",
    );
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let today = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86_400) as i64)
        .unwrap_or_default();
    let (y, m, d) = civil(today - 1);
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = civil(today + VALID_DAYS);
    params.not_after = rcgen::date_time_ymd(y, m, d);
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(fail)?;
    let cert = params.self_signed(&key).map_err(fail)?;
    let pems = Pems {
        cert: cert.pem(),
        key: key.serialize_pem(),
    };
    hide(&pems.key);
    Ok(pems)
}

/// Register every form the key could appear in with the log redactor: the PEM, its base64 (how
/// the JSON request body carries it) and each line of its body.
fn hide(key_pem: &str) {
    crate::logging::redact_secret(key_pem);
    crate::logging::redact_secret(&base64::engine::general_purpose::STANDARD.encode(key_pem));
    for line in key_pem.lines().filter(|l| !l.starts_with("-----")) {
        crate::logging::redact_secret(line);
    }
}

/// Import `pems` (into `arn` when given: a re-import keeps the ARN); returns the ARN.
async fn import(
    ctx: &Ctx,
    s: &LoadBalancerState,
    pems: &Pems,
    arn: Option<&str>,
) -> Result<String, CompositeError> {
    let domain = known(&s.domain_name).unwrap_or_default();
    let mut call = ctx
        .clients
        .acm()
        .import_certificate()
        .certificate(Blob::new(pems.cert.as_bytes()))
        .private_key(Blob::new(pems.key.as_bytes()))
        .set_certificate_arn(arn.map(str::to_string));
    if arn.is_none() {
        // Tags only on a first import (ACM refuses them on a re-import).
        call = call.set_tags(Some(tagging::acm_tags(&s.child_tags())?));
    }
    let out = call.send().await.map_err(|e| {
        CompositeError::aws(
            format!("Importing the self-signed certificate for \"{domain}\" into ACM"),
            &e,
        )
    })?;
    Ok(out.certificate_arn().unwrap_or_default().to_string())
}

/// An imported certificate for `domain` carrying this resource's owner tag (left by an
/// interrupted create).
async fn left_over(ctx: &Ctx, s: &LoadBalancerState) -> Result<Option<String>, CompositeError> {
    let acm = ctx.clients.acm();
    let domain = known(&s.domain_name).unwrap_or_default();
    let owner = s.owner();
    let mut next = None;
    loop {
        let out = acm
            .list_certificates()
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| CompositeError::aws("Listing ACM certificates", &e))?;
        for c in out.certificate_summary_list() {
            let imported = c
                .r#type()
                .is_none_or(|t| *t == aws_sdk_acm::types::CertificateType::Imported);
            let (Some(arn), true) = (c.certificate_arn(), imported) else {
                continue;
            };
            if c.domain_name() != Some(domain) {
                continue;
            }
            let tags = acm
                .list_tags_for_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Reading the tags of {arn}"), &e))?;
            let ours = owned(
                tags.tags()
                    .iter()
                    .map(|t| (t.key(), t.value().unwrap_or_default())),
                &owner,
            );
            if ours {
                return Ok(Some(arn.to_string()));
            }
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => next = Some(t.to_string()),
            _ => return Ok(None),
        }
    }
}

#[async_trait]
impl ChildOps<LoadBalancerState> for Certificate {
    fn name(&self) -> &'static str {
        "certificate"
    }

    fn wanted(&self, s: &LoadBalancerState) -> bool {
        s.certificate_arn.is_null()
    }

    async fn create(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let domain = known(&s.domain_name).unwrap_or_default().to_string();
        let pems = self_signed(&domain)?;
        let existing = left_over(ctx, &s).await?;
        let arn = import(ctx, &s, &pems, existing.as_deref()).await?;
        rec.record(|s| s.self_signed_certificate_arn = Value::Value(arn));
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<Found, CompositeError> {
        let s = rec.snapshot();
        let arn = known(&s.self_signed_certificate_arn).unwrap_or_default();
        match ctx
            .clients
            .acm()
            .describe_certificate()
            .certificate_arn(arn)
            .send()
            .await
        {
            Ok(_) => Ok(Found::Present),
            Err(e) if error_code(&e).as_deref() == Some("ResourceNotFoundException") => {
                Ok(Found::Gone)
            }
            Err(e) => Err(CompositeError::aws(
                format!("Reading certificate {arn}"),
                &e,
            )),
        }
    }

    async fn reconcile(
        &self,
        ctx: &Ctx,
        prior: &LoadBalancerState,
        rec: &Recorder<LoadBalancerState>,
    ) -> Result<(), CompositeError> {
        let s = rec.snapshot();
        let arn = known(&s.self_signed_certificate_arn)
            .unwrap_or_default()
            .to_string();
        if prior.domain_name != s.domain_name {
            let domain = known(&s.domain_name).unwrap_or_default().to_string();
            let pems = self_signed(&domain)?;
            import(ctx, &s, &pems, Some(&arn)).await?;
        }
        if prior.tags_all != s.tags_all {
            tagging::acm(ctx, &arn, &prior.child_tags(), &s.child_tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, state: &LoadBalancerState) -> Result<(), CompositeError> {
        let Some(arn) = known(&state.self_signed_certificate_arn) else {
            return Ok(());
        };
        let acm = ctx.clients.acm();
        // ACM sees the certificate in use for a while after its listener is gone.
        delete_retrying(
            &ctx.deadline,
            &format!("certificate {arn}"),
            "ResourceNotFoundException",
            "ResourceInUseException",
            || acm.delete_certificate().certificate_arn(arn).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19_723), (2024, 1, 1));
        assert_eq!(civil(20_513), (2026, 3, 1));
        assert_eq!(civil(-1), (1969, 12, 31));
    }

    #[test]
    fn the_certificate_names_the_domain_and_the_key_is_redacted() {
        let pems = self_signed("senas.example.org").unwrap();
        assert!(pems.cert.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(pems.key.contains("PRIVATE KEY"));
        let body: String = pems
            .key
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\n");
        let logged = format!("request body: {body}");
        assert!(!crate::logging::redact(&logged).contains(&body));
        let b64 = base64::engine::general_purpose::STANDARD.encode(&pems.key);
        assert!(!crate::logging::redact(&format!("{{\"PrivateKey\":\"{b64}\"}}")).contains(&b64));
    }
}
