//! `blueprint_cluster`, declared: the ECS cluster seed 001's services run in.

use std::sync::OnceLock;

use crate::{Attr, Check, Child, Declaration, Default};

/// The sizing table's profiles.
pub const PROFILES: &[&str] = &["dev", "prod"];

fn cluster_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= 255
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{n}\" is not an ECS cluster name (1 to 255 letters, digits, '-' or '_')."
        ))
    }
}

const NOTES: &str = r#"## Profiles

Seed 001's sizing table turns Container Insights on in `prod` and off in `dev`;
`container_insights` overrides it.

## Import

`terraform import blueprint_cluster.NAME CLUSTER_NAME`. The cluster must carry the owner tag
`blueprint:owner = blueprint_cluster/CLUSTER_NAME` (a create adds it); one without is refused, so
importing a cluster does not silently take over one that other configuration manages.
"#;

/// The declaration.
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| Declaration {
        type_name: "blueprint_cluster",
        version: 0,
        description: "The ECS cluster Fargate services (`blueprint_secure_service`) run in, tagged and owned like every Blueprint child, with Container Insights from the sizing profile.",
        attrs: vec![
            Attr::string("id", "The cluster name.").computed(),
            Attr::string("name", "Cluster name (what `blueprint_secure_service.cluster` takes).")
                .required().replaces().check(Check::Custom { describe: "ECS cluster name", check: cluster_name }),
            Attr::string("profile", "Sizing profile of seed 001: `dev` or `prod`.")
                .default(Default::String("dev")).check(Check::OneOf(PROFILES)),
            Attr::bool("container_insights", "CloudWatch Container Insights.")
                .default(Default::Derived("on with `profile = \"prod\"`, off with `dev`")),
            Attr::string_map("tags", "Tags of the cluster.").check(Check::Tags),
            Attr::string_map("tags_all", "Tags including the provider's `default_tags`.").computed(),
            Attr::string("arn", "Cluster ARN.").computed(),
        ],
        blocks: vec![],
        children: vec![
            Child::new("cluster", "aws_ecs_cluster", "arn")
                .replace_when_gone()
                .how("`name`, Container Insights per `container_insights` (unset: the profile's, also after a profile change), tagged with `tags_all` and the owner tag; both read on every refresh (an owner tag changed or removed out of band shows in `tags_all` and is put back by the next apply)"),
        ],
        import_id: "CLUSTER_NAME",
        example: r#"resource "blueprint_cluster" "senas" {
  name    = "senas"
  profile = "prod"
}"#,
        notes: NOTES,
        expand: crate::expand::nothing,
    })
}
