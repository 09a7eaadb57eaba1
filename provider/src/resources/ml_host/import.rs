//! Import by instance id: the whole state rebuilt from the instance and its children.

use crate::tf::Value;
use base64::Engine;

use super::elastic_ip::{self, ElasticIp};
use super::instance::Instance;
use super::instance_profile::InstanceProfile;
use super::role::Role;
use super::security_group::SecurityGroup;
use super::{derive, list, map, user_data, MlHostState};
use crate::composite::engine::ChildOps;
use crate::composite::{CompositeError, Ctx, Recorder};
use crate::kinds::security_group as sg;
use crate::types::sg_rule::{Protocol, SgRule, Source};

/// Build the whole state from instance `id`: the inputs from its boot script, rules, key pair,
/// root volume and Elastic IP; then every child as a read sees it.
pub async fn import(ctx: &Ctx, id: &str) -> Result<MlHostState, CompositeError> {
    let ec2 = ctx.clients.ec2();
    let out = ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading instance {id}"), &e))?;
    let i = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .next()
        .cloned()
        .ok_or_else(|| CompositeError::new("Cannot import", format!("no instance {id}")))?;
    let attr = ec2
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
        .send()
        .await
        .map_err(|e| CompositeError::aws(format!("Reading the user data of {id}"), &e))?;
    let script = attr
        .user_data()
        .and_then(|u| u.value())
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let parsed = user_data::parse(&script).ok_or_else(|| {
        CompositeError::new(
            "Cannot import",
            format!("instance {id} was not launched by blueprint_ml_host (its user data is not a Blueprint script)"),
        )
    })?;
    let defaults = ctx.clients.default_tags();
    let tags: std::collections::BTreeMap<String, String> = i
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        // Name and the provider's own markers (blueprint:owner) are not the user's tags.
        .filter(|(k, v)| k != "Name" && !k.starts_with("blueprint:") && defaults.get(k) != Some(v))
        .collect();
    let mut s = MlHostState {
        name: Value::Value(parsed.name.clone()),
        image: Value::Value(parsed.image),
        container_port: Value::Value(parsed.container_port),
        host_port: Value::Value(parsed.host_port),
        environment: if parsed.environment.is_empty() {
            Value::Null
        } else {
            map(parsed.environment)
        },
        secret_environment: if parsed.secrets.is_empty() {
            Value::Null
        } else {
            map(parsed.secrets)
        },
        instance_id: Value::Value(id.to_string()),
        id: Value::Value(id.to_string()),
        security_group_id: i
            .security_groups()
            .first()
            .and_then(|g| g.group_id())
            .map(|g| Value::Value(g.to_string()))
            .unwrap_or(Value::Null),
        tags: if tags.is_empty() {
            Value::Null
        } else {
            map(tags)
        },
        ..Default::default()
    };
    if let Some(key) = i.key_name() {
        let kp = ec2
            .describe_key_pairs()
            .key_names(key)
            .include_public_key(true)
            .send()
            .await
            .map_err(|e| CompositeError::aws(format!("Reading key pair {key}"), &e))?;
        s.ssh_public_key = kp
            .key_pairs()
            .first()
            .and_then(|k| k.public_key())
            .map(|k| Value::Value(k.trim().to_string()))
            .unwrap_or(Value::Null);
    }
    if let Some(root) = i.root_device_name() {
        let vol = i
            .block_device_mappings()
            .iter()
            .find(|m| m.device_name() == Some(root))
            .and_then(|m| m.ebs())
            .and_then(|e| e.volume_id());
        if let Some(vol) = vol {
            let v = ec2
                .describe_volumes()
                .volume_ids(vol)
                .send()
                .await
                .map_err(|e| CompositeError::aws(format!("Reading volume {vol}"), &e))?;
            s.root_volume_size = v
                .volumes()
                .first()
                .and_then(|v| v.size())
                .map(|n| Value::Value(n as i64))
                .unwrap_or(Value::Null);
        }
    }
    // The rules give back the inputs that made them.
    if let Value::Value(group) = s.security_group_id.clone() {
        if let Some(observed) = sg::read(ctx, &group).await? {
            let (ssh, app, groups) = split_rules(&observed.ingress, parsed.host_port);
            s.ssh_cidr_blocks = list(ssh);
            s.app_cidr_blocks = list(app);
            s.allow_app_from_security_group_ids = list(groups);
            s.restrict_egress = Value::Value(observed.egress == [super::https_egress()]);
        }
    }
    let rec = Recorder::new(s);
    elastic_ip::find_for_instance(ctx, &rec).await?;
    rec.record(|s| derive(s, Some(&ctx.clients)));
    // Each child as a read sees it: the role and profile by their names, the others by id.
    let children: [&dyn ChildOps<MlHostState>; 5] = [
        &Role,
        &InstanceProfile,
        &SecurityGroup,
        &Instance,
        &ElasticIp,
    ];
    for child in children {
        child.read(ctx, &rec).await?;
    }
    Ok(rec.snapshot())
}

/// Split rules back into SSH CIDRs, app CIDRs and app source groups.
pub fn split_rules(rules: &[SgRule], host_port: i64) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut ssh, mut app, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    for r in rules {
        if r.protocol != Protocol::Tcp || r.from != r.to {
            continue;
        }
        let port = i64::from(r.from);
        match &r.source {
            Source::Cidr(c) if port == 22 => ssh.push(c.to_string()),
            Source::Cidr(c) if port == host_port => app.push(c.to_string()),
            Source::Group(g) if port == host_port => groups.push(g.clone()),
            _ => {}
        }
    }
    (ssh, app, groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::sg_rule::parse_all;

    #[test]
    fn rules_split_back_into_inputs() {
        let rules = parse_all(&[
            "tcp 22-22 10.0.0.0/8",
            "tcp 8000-8000 ::/0",
            "tcp 8000-8000 sg-0123abcd",
            "all 0-65535 0.0.0.0/0",
        ]);
        let (ssh, app, groups) = split_rules(&rules, 8000);
        assert_eq!(ssh, ["10.0.0.0/8"]);
        assert_eq!(app, ["::/0"]);
        assert_eq!(groups, ["sg-0123abcd"]);
    }
}
