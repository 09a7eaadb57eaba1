//! What the generic end-to-end check (`tests/tests/e2e/composites.rs`) knows about each composite's
//! children: their plain Terraform type and where the composite's state holds their id, from
//! the composites' declarations.

use anyhow::{anyhow, bail, Result};
use serde_json::Value;

/// One child of a composite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildRef {
    /// The child's name inside the composite, for messages (`security_group`, `lock_table`).
    pub name: &'static str,
    /// The plain Terraform type it corresponds to (`aws_security_group`); the probe deletes,
    /// finds and reads tags by it (see [`crate::aws::AwsProbe::delete_child`]).
    pub kind: &'static str,
    /// The state attribute holding its id, or a template of state attributes in braces when
    /// no single attribute holds the id terraform-provider-aws uses for the kind (a scaling
    /// policy: `ecs/service/{cluster}/{name}/ecs:service:DesiredCount/{name}-cpu`).
    pub id_attr: &'static str,
}

impl ChildRef {
    /// This child's id in the composite's state `values`; an error names the missing attribute.
    pub fn id_in(&self, values: &Value) -> Result<String> {
        if !self.id_attr.contains('{') {
            return attr(values, self.id_attr).map_err(|e| anyhow!("child {}: {e}", self.name));
        }
        let mut out = String::new();
        let mut rest = self.id_attr;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                bail!("child {}: unclosed `{{` in {:?}", self.name, self.id_attr);
            };
            let name = &rest[open + 1..open + close];
            out.push_str(&attr(values, name).map_err(|e| anyhow!("child {}: {e}", self.name))?);
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn attr(values: &Value, name: &str) -> Result<String> {
    match &values[name] {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        // A child made once per zone keeps its ids in a list: the probe gets them joined with
        // `,` (and deletes the first, checks and tags every one).
        Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.is_string()) => {
            Ok(items
                .iter()
                .filter_map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join(","))
        }
        // A child made once per element of a block (a host) keeps its ids in a map by the
        // element's name: joined the same way, in the map's order.
        Value::Object(items) if !items.is_empty() && items.values().all(|i| i.is_string()) => {
            Ok(items
                .values()
                .filter_map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join(","))
        }
        other => bail!("state attribute `{name}` holds no id ({other})"),
    }
}

/// The children of the composite `type_name` as its declaration lists them (kind, and the id
/// terraform-provider-aws uses: `Child::aws_id`, else the id attribute), or `None` for a type
/// the registry does not know. A new composite gets the generic check's child steps from its
/// declaration alone.
pub fn children(type_name: &str) -> Option<Vec<ChildRef>> {
    let decl = blueprint_declarations::composites::registry()
        .into_iter()
        .find(|d| d.type_name == type_name)?;
    let mut out = Vec::new();
    for c in &decl.children {
        out.push(ChildRef {
            name: c.name,
            kind: c.kind,
            id_attr: c.aws_id.unwrap_or(c.id_attr),
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_an_attribute_or_a_template() {
        let state = serde_json::json!({
            "cluster": "senas", "name": "content", "security_group_id": "sg-1", "empty": ""
        });
        let sg = ChildRef {
            name: "sg",
            kind: "aws_security_group",
            id_attr: "security_group_id",
        };
        assert_eq!(sg.id_in(&state).unwrap(), "sg-1");
        let policy = ChildRef {
            name: "cpu",
            kind: "aws_appautoscaling_policy",
            id_attr: "ecs/service/{cluster}/{name}/ecs:service:DesiredCount/{name}-cpu",
        };
        assert_eq!(
            policy.id_in(&state).unwrap(),
            "ecs/service/senas/content/ecs:service:DesiredCount/content-cpu"
        );
        let missing = ChildRef {
            id_attr: "empty",
            ..sg
        };
        let err = missing.id_in(&state).unwrap_err().to_string();
        assert!(err.contains("child sg") && err.contains("`empty`"), "{err}");
    }

    #[test]
    fn every_composite_is_listed() {
        for t in [
            "blueprint_state_backend",
            "blueprint_ml_host",
            "blueprint_secure_service",
        ] {
            assert!(!children(t).unwrap_or_default().is_empty(), "{t}");
        }
        assert!(children("blueprint_nothing").is_none());
    }
}
