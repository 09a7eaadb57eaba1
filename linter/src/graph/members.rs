//! Which drawn nodes each security group is attached to: any reference to an
//! `aws_security_group` in a drawn resource's attributes (and in the launch template it names),
//! and EFS mount targets' groups on their file system. A composite's plain resources are
//! attached to the groups it builds like any other resource.

use std::collections::BTreeMap;

use super::catalog::{info, Kind};
use crate::finding::PathStep;
use crate::model::{Mode, Model, Resource, Value};

/// One attachment of a node to a security group.
#[derive(Debug, Clone)]
pub struct Member<'m> {
    /// The node's id (a resource address).
    pub node: String,
    /// The node's kind.
    pub kind: Kind,
    /// The resource where the attachment is written.
    pub resource: &'m Resource,
    /// The attribute path of the reference.
    pub path: Vec<PathStep>,
    /// The group's address.
    pub group: String,
}

/// Every attachment, in model order.
pub fn members(model: &Model) -> Vec<Member<'_>> {
    let mut out = Vec::new();
    for r in &model.resources {
        if r.mode != Mode::Managed {
            continue;
        }
        let (node, kind) = match (r.resource_type.as_str(), info(&r.resource_type)) {
            ("aws_efs_mount_target", _) => {
                let Some(fs) = r
                    .attributes
                    .get("file_system_id")
                    .as_reference()
                    .and_then(|x| model.resolve(x))
                else {
                    continue;
                };
                (fs.address.clone(), Kind::DataStore)
            }
            (_, Some(t))
                if matches!(t.kind, Kind::Compute | Kind::DataStore | Kind::LoadBalancer) =>
            {
                (r.address.clone(), t.kind)
            }
            _ => continue,
        };
        let mut groups = BTreeMap::new();
        scan(model, &r.attributes, &mut Vec::new(), true, &mut groups);
        for (group, path) in groups {
            out.push(Member {
                node: node.clone(),
                kind,
                resource: r,
                path,
                group,
            });
        }
    }
    out
}

/// Collects the security groups referenced in `v` (first path of each), following launch
/// templates one level.
fn scan(
    model: &Model,
    v: &Value,
    path: &mut Vec<PathStep>,
    follow: bool,
    out: &mut BTreeMap<String, Vec<PathStep>>,
) {
    match v {
        Value::Reference(r) => {
            let Some(target) = model.resolve(r) else {
                return;
            };
            match target.resource_type.as_str() {
                "aws_security_group" => {
                    out.entry(target.address.clone())
                        .or_insert_with(|| path.clone());
                }
                "aws_launch_template" | "aws_launch_configuration" if follow => {
                    let mut inner = BTreeMap::new();
                    scan(
                        model,
                        &target.attributes,
                        &mut Vec::new(),
                        false,
                        &mut inner,
                    );
                    for g in inner.into_keys() {
                        out.entry(g).or_insert_with(|| path.clone());
                    }
                }
                _ => {}
            }
        }
        Value::List(l) => {
            for (i, e) in l.iter().enumerate() {
                path.push(PathStep::Index(i));
                scan(model, e, path, follow, out);
                path.pop();
            }
        }
        Value::Map(m) => {
            for (k, e) in m {
                // Tags never attach anything.
                if k == "tags" || k == "tags_all" {
                    continue;
                }
                path.push(PathStep::Attribute(k.clone()));
                scan(model, e, path, follow, out);
                path.pop();
            }
        }
        _ => {}
    }
}
