//! Write-only attributes (protocol 6.8, Terraform 1.11): Terraform passes their value in the
//! configuration at plan and apply, and stores null for them in the plan and the state.
//!
//! The server enforces that contract for every resource, so no resource can leak one: the value
//! is copied from the configuration into the proposed and planned states the resource sees, and
//! taken out of every state the server returns. A Terraform that does not announce write-only
//! support (client capabilities, 6.8+) would store the value, so a configuration that sets one is
//! refused when it validates.

use super::attribute_path::AttributePath;
use super::codec::RawValue;
use super::diagnostics::Diagnostics;
use super::schema::Schema;

/// The names of the schema's top-level write-only attributes.
pub fn attributes(schema: &Schema) -> Vec<String> {
    let mut names: Vec<String> = schema
        .block
        .attributes
        .iter()
        .filter(|(_, a)| a.write_only)
        .map(|(n, _)| n.clone())
        .collect();
    names.sort();
    names
}

fn decode(v: &RawValue) -> Option<rmpv::Value> {
    match v {
        RawValue::MessagePack(b) if !b.is_empty() => {
            rmpv::decode::read_value(&mut b.as_slice()).ok()
        }
        _ => None,
    }
}

fn encode(v: &rmpv::Value) -> Option<RawValue> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, v).ok()?;
    Some(RawValue::MessagePack(out))
}

fn entry<'v>(v: &'v mut rmpv::Value, name: &str) -> Option<&'v mut rmpv::Value> {
    match v {
        rmpv::Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The write-only attributes `config` sets (to a value, or to one unknown until apply).
pub fn set_in(config: &RawValue, names: &[String]) -> Vec<String> {
    let Some(mut config) = decode(config) else {
        return Vec::new();
    };
    names
        .iter()
        .filter(|n| entry(&mut config, n).is_some_and(|v| !v.is_nil()))
        .cloned()
        .collect()
}

/// Refuse write-only values from a Terraform that would store them.
pub fn refuse_unless_supported(
    config: &RawValue,
    names: &[String],
    supported: bool,
    diags: &mut Diagnostics,
) {
    if supported {
        return;
    }
    for name in set_in(config, names) {
        diags.error(
            "Write-only attribute needs Terraform 1.11 or newer",
            format!(
                "`{name}` is write-only: Terraform 1.11 and newer pass it to the provider without storing it. This Terraform does not support write-only attributes and would keep the value in the plan and the state. Upgrade Terraform, or leave `{name}` unset."
            ),
            AttributePath::new(name),
        );
    }
}

/// `state` with every write-only attribute null (a null or non-object state is unchanged).
pub fn nulled(state: RawValue, names: &[String]) -> RawValue {
    if names.is_empty() {
        return state;
    }
    let Some(mut v) = decode(&state) else {
        return state;
    };
    for n in names {
        if let Some(slot) = entry(&mut v, n) {
            *slot = rmpv::Value::Nil;
        }
    }
    encode(&v).unwrap_or(state)
}

/// `state` with the write-only values of `config` in it, for the resource to use.
pub fn from_config(state: RawValue, config: &RawValue, names: &[String]) -> RawValue {
    if names.is_empty() {
        return state;
    }
    let (Some(mut v), Some(mut c)) = (decode(&state), decode(config)) else {
        return state;
    };
    for n in names {
        let value = entry(&mut c, n).map(|x| x.clone());
        if let (Some(slot), Some(value)) = (entry(&mut v, n), value) {
            *slot = value;
        }
    }
    encode(&v).unwrap_or(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(v: serde_json::Value) -> RawValue {
        RawValue::MessagePack(rmp_serde::to_vec_named(&v).unwrap())
    }

    fn json(v: &RawValue) -> serde_json::Value {
        match v {
            RawValue::MessagePack(b) => rmp_serde::from_slice(b).unwrap(),
            RawValue::Json(b) => serde_json::from_slice(b).unwrap(),
        }
    }

    #[test]
    fn values_come_from_config_and_never_leave() {
        let names = vec!["password_wo".to_string()];
        let planned = raw(serde_json::json!({"name": "db", "password_wo": null}));
        let config = raw(serde_json::json!({"name": "db", "password_wo": "s3cret-pass"}));
        let seen = from_config(planned, &config, &names);
        assert_eq!(json(&seen)["password_wo"], "s3cret-pass");
        let answered = nulled(seen, &names);
        assert_eq!(
            json(&answered),
            serde_json::json!({"name": "db", "password_wo": null})
        );
        assert_eq!(set_in(&config, &names), names);
    }

    #[test]
    fn old_terraform_is_refused_only_when_a_value_is_set() {
        let names = vec!["password_wo".to_string()];
        let set = raw(serde_json::json!({"password_wo": "x"}));
        let unset = raw(serde_json::json!({"password_wo": null}));
        let mut diags = Diagnostics::default();
        refuse_unless_supported(&unset, &names, false, &mut diags);
        refuse_unless_supported(&set, &names, true, &mut diags);
        assert!(diags.errors.is_empty());
        refuse_unless_supported(&set, &names, false, &mut diags);
        assert_eq!(diags.errors.len(), 1);
        assert_eq!(diags.errors[0].attribute, AttributePath::new("password_wo"));
        assert!(diags.errors[0].summary.contains("Terraform 1.11"));
    }
}
