//! What import needs and AWS does not keep: each host's block (its serves and connections,
//! sizes, public ports, SSH CIDRs, boot configuration...) and its position among the blocks,
//! recorded on the host's security group as tags `blueprint:host:0`, `blueprint:host:1`, ...
//!
//! The record is compact JSON (short field names, null fields left out) in unpadded base64url,
//! whose alphabet every AWS tag API accepts, cut into values of at most [`CHUNK`] characters
//! (AWS's tag value limit). Secret values never reach it: `secret_environment` holds ARNs.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Map, Value as Json};

use super::HostValue;

/// Prefix of the record's tag keys; the chunk's index follows.
pub const RECORD_TAG: &str = "blueprint:host:";
/// Longest tag value AWS accepts.
pub const CHUNK: usize = 256;

/// The host block's attributes and their short names in the record.
const HOST_FIELDS: &[(&str, &str)] = &[
    ("name", "n"),
    ("instance_type", "t"),
    ("volume_size", "v"),
    ("subnet_id", "s"),
    ("ami_id", "a"),
    ("serves", "sv"),
    ("connects_to", "c"),
    ("connects_to_external", "x"),
    ("public_ports", "pp"),
    ("public_from_security_group_ids", "pf"),
    ("additional_security_group_ids", "ag"),
    ("ssh_cidr_blocks", "ss"),
    ("packages", "pk"),
    ("commands", "cm"),
    ("secret_environment", "se"),
];

/// The fields of the objects in `serves`, `connects_to` and `connects_to_external`.
const ELEMENT_FIELDS: &[(&str, &str)] = &[
    ("name", "n"),
    ("port", "p"),
    ("protocol", "r"),
    ("host", "h"),
    ("service", "e"),
];

/// The lists whose elements are objects.
const OBJECT_LISTS: &[&str] = &["serves", "connects_to", "connects_to_external"];

/// Why a record could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// No `blueprint:host:` tag at all.
    #[error("no {RECORD_TAG}N tag (the group was made before its hosts were recorded: apply the configuration once, then import)")]
    Missing,
    /// Chunks missing between 0 and the last.
    #[error("the {RECORD_TAG}N tags are not numbered 0 to {0} without gaps")]
    Gap(usize),
    /// Not base64url.
    #[error("the {RECORD_TAG}N tags are not base64url: {0}")]
    Base64(#[from] base64::DecodeError),
    /// Not the record's JSON.
    #[error("the {RECORD_TAG}N tags do not hold a host record: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not shaped as a record.
    #[error("the {RECORD_TAG}N tags do not hold a host record: {0}")]
    Shape(&'static str),
}

fn rename(obj: Map<String, Json>, table: &[(&str, &str)], to_short: bool) -> Map<String, Json> {
    obj.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let new = table
                .iter()
                .find(|(long, short)| if to_short { *long == k } else { *short == k })
                .map(|(long, short)| if to_short { *short } else { *long });
            (new.map_or(k, str::to_string), v)
        })
        .collect()
}

/// Rename the host's fields (and those of its object lists' elements), dropping nulls; the
/// `secret_environment` map's keys are the user's and stay as they are.
fn reshape(host: Map<String, Json>, to_short: bool) -> Map<String, Json> {
    let mut out = rename(host, HOST_FIELDS, to_short);
    for list in OBJECT_LISTS {
        let key = HOST_FIELDS
            .iter()
            .find(|(long, _)| long == list)
            .map(|(long, short)| if to_short { *short } else { *long })
            .unwrap_or(list);
        if let Some(Json::Array(items)) = out.get_mut(key) {
            for item in items.iter_mut() {
                if let Json::Object(o) = item {
                    *o = rename(std::mem::take(o), ELEMENT_FIELDS, to_short);
                }
            }
        }
    }
    out
}

/// The record of `host` at `position`: `[position, {compact host}]`.
pub fn payload(position: usize, host: &HostValue) -> Result<String, serde_json::Error> {
    let Json::Object(h) = serde_json::to_value(host)? else {
        return Err(serde::ser::Error::custom("a host block is an object"));
    };
    let record = Json::Array(vec![Json::from(position), Json::Object(reshape(h, true))]);
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(record.to_string()))
}

/// The record's tags: `blueprint:host:I` = the I-th piece of [`payload`].
pub fn encode(
    position: usize,
    host: &HostValue,
) -> Result<BTreeMap<String, String>, serde_json::Error> {
    let text = payload(position, host)?;
    // base64url is ASCII: cutting by bytes never splits a character.
    Ok(text
        .as_bytes()
        .chunks(CHUNK)
        .enumerate()
        .map(|(i, c)| {
            (
                format!("{RECORD_TAG}{i}"),
                String::from_utf8_lossy(c).into_owned(),
            )
        })
        .collect())
}

/// The position and block recorded in `tags` (a child's whole tag set).
pub fn decode(tags: &BTreeMap<String, String>) -> Result<(usize, HostValue), RecordError> {
    let mut pieces: BTreeMap<usize, &str> = BTreeMap::new();
    for (k, v) in tags {
        if let Some(i) = k.strip_prefix(RECORD_TAG).and_then(|i| i.parse().ok()) {
            pieces.insert(i, v);
        }
    }
    if pieces.is_empty() {
        return Err(RecordError::Missing);
    }
    let last = pieces.len() - 1;
    if pieces.keys().copied().ne(0..=last) {
        return Err(RecordError::Gap(last));
    }
    let text: String = pieces.into_values().collect();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.as_bytes())?;
    let record: Json = serde_json::from_slice(&bytes)?;
    let Json::Array(mut parts) = record else {
        return Err(RecordError::Shape("not a list"));
    };
    if parts.len() != 2 {
        return Err(RecordError::Shape("not [position, host]"));
    }
    let host = parts.pop().unwrap_or_default();
    let position = parts
        .pop()
        .and_then(|p| p.as_u64())
        .and_then(|p| usize::try_from(p).ok())
        .ok_or(RecordError::Shape("the position is not a number"))?;
    let Json::Object(h) = host else {
        return Err(RecordError::Shape("the host is not an object"));
    };
    let host: HostValue = serde_json::from_value(Json::Object(reshape(h, false)))?;
    Ok((position, host))
}

/// How many tags the record of `host` takes (`None` while part of the block is unknown).
pub fn tag_count(position: usize, host: &HostValue) -> Option<usize> {
    if !known_block(host) {
        return None;
    }
    payload(position, host)
        .ok()
        .map(|t| t.len().div_ceil(CHUNK))
}

/// Whether the block holds no unknown value (its record can be written).
pub fn known_block(host: &HostValue) -> bool {
    !host.name.is_unknown()
        && !host.instance_type.is_unknown()
        && !host.volume_size.is_unknown()
        && !host.subnet_id.is_unknown()
        && !host.ami_id.is_unknown()
        && list_known(&host.serves, |s| {
            !s.name.is_unknown() && !s.port.is_unknown() && !s.protocol.is_unknown()
        })
        && list_known(&host.connects_to, |c| {
            !c.host.is_unknown() && !c.service.is_unknown()
        })
        && list_known(&host.connects_to_external, |x| {
            !x.name.is_unknown() && !x.port.is_unknown()
        })
        && list_known(&host.public_ports, |_| true)
        && list_known(&host.public_from_security_group_ids, |_| true)
        && list_known(&host.additional_security_group_ids, |_| true)
        && list_known(&host.ssh_cidr_blocks, |_| true)
        && list_known(&host.packages, |_| true)
        && list_known(&host.commands, |_| true)
        && !host.secret_environment.is_unknown()
        && host
            .secret_environment
            .as_ref_option()
            .is_none_or(|m| m.values().all(|v| !v.is_unknown()))
}

fn list_known<T>(
    l: &crate::tf::Value<Vec<crate::tf::Value<T>>>,
    each: impl Fn(&T) -> bool,
) -> bool {
    !l.is_unknown()
        && l.as_ref_option().is_none_or(|items| {
            items
                .iter()
                .all(|i| !i.is_unknown() && i.as_ref_option().is_none_or(&each))
        })
}
