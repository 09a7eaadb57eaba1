//! What the generic end-to-end check (`tests/tests/composites.rs`) knows about each composite's
//! children: their plain Terraform type and where the composite's state holds their id.

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
        other => bail!("state attribute `{name}` holds no id ({other})"),
    }
}

/// The children of the composite `type_name`, in the order the generic check deletes them out
/// of band, or `None` for a type this list does not know.
///
/// TODO(registry): the lead switches this to `blueprint_provider::resources::registry()`, the
/// children as the composites declare them; until then this is a hand-written copy of
/// `docs/resources/*.md`'s "What it builds" tables.
pub fn children(type_name: &str) -> Option<Vec<ChildRef>> {
    let c = |name, kind, id_attr| ChildRef {
        name,
        kind,
        id_attr,
    };
    Some(match type_name {
        "blueprint_state_backend" => vec![
            c("bucket", "aws_s3_bucket", "id"),
            c("lock_table", "aws_dynamodb_table", "lock_table"),
        ],
        "blueprint_ml_host" => vec![
            c("security_group", "aws_security_group", "security_group_id"),
            c("role", "aws_iam_role", "role_name"),
            c(
                "instance_profile",
                "aws_iam_instance_profile",
                "instance_profile_name",
            ),
            c("key_pair", "aws_key_pair", "key_name"),
            c("instance", "aws_instance", "instance_id"),
            c("elastic_ip", "aws_eip", "elastic_ip_allocation_id"),
        ],
        "blueprint_secure_service" => vec![
            c("execution_role", "aws_iam_role", "execution_role_arn"),
            c("task_role", "aws_iam_role", "task_role_arn"),
            c("security_group", "aws_security_group", "security_group_id"),
            c("log_group", "aws_cloudwatch_log_group", "log_group_name"),
            c("target_group", "aws_lb_target_group", "target_group_arn"),
            c("listener_rule", "aws_lb_listener_rule", "listener_rule_arn"),
            c(
                "task_definition",
                "aws_ecs_task_definition",
                "task_definition_arn",
            ),
            c("service", "aws_ecs_service", "service_arn"),
            c(
                "scalable_target",
                "aws_appautoscaling_target",
                "ecs/service/{cluster}/{name}/ecs:service:DesiredCount",
            ),
            c(
                "cpu_policy",
                "aws_appautoscaling_policy",
                "ecs/service/{cluster}/{name}/ecs:service:DesiredCount/{name}-cpu",
            ),
            c(
                "memory_policy",
                "aws_appautoscaling_policy",
                "ecs/service/{cluster}/{name}/ecs:service:DesiredCount/{name}-memory",
            ),
        ],
        _ => return None,
    })
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
