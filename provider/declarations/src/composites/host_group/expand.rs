//! `blueprint_host_group` as the plain resources it builds (see [`crate::expand`]): per host an
//! `aws_security_group` whose ingress is what the topology derives (peers by their groups, as
//! sibling references, so the linter's graph draws host → host edges with their ports), an
//! `aws_iam_role` with the Session Manager policy and its secrets policy, an
//! `aws_iam_instance_profile` and an `aws_instance` (IMDSv2 only, encrypted gp3 volume, the
//! rendered cloud-init).

use std::collections::BTreeMap;

use super::boot::{self, Boot};
use super::topology::{self, names, From};
use crate::composites::data_pipeline::expand::intern;
use crate::expand::{
    as_str, entries, get, list, number, number_or, object, path, sibling, string, Plain,
};
use crate::value::{unknown, Generic, Path, Step};

fn items<'a>(config: &'a Generic, name: &str) -> Vec<&'a Generic> {
    match get(config, name) {
        rmpv::Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    }
}

fn host_path(i: usize, attr: &str) -> Path {
    Path::attr("host")
        .then(Step::Index(i))
        .then(Step::Attr(attr.into()))
}

fn strings(v: &Generic) -> Option<Vec<String>> {
    match v {
        rmpv::Value::Array(a) => a.iter().map(|x| as_str(x).map(str::to_string)).collect(),
        rmpv::Value::Nil => Some(Vec::new()),
        _ => None,
    }
}

/// The cloud-init of host block `h`, unknown while any of its parts is.
fn user_data(group: &str, h: &Generic) -> Generic {
    let (Some(packages), Some(commands), Some(secrets)) = (
        strings(get(h, "packages")),
        strings(get(h, "commands")),
        match get(h, "secret_environment") {
            rmpv::Value::Nil => Some(Vec::new()),
            v => entries(v),
        },
    ) else {
        return unknown();
    };
    let mut map = BTreeMap::new();
    for (k, v) in secrets {
        map.insert(k.to_string(), as_str(v).unwrap_or("ARN").to_string());
    }
    let name = as_str(get(h, "name")).unwrap_or("HOST");
    string(&boot::render(&Boot {
        owner: &format!("{group}/{name}"),
        packages: &packages,
        commands: &commands,
        secrets: &map,
        region: "REGION",
    }))
}

/// The plain resources of a `blueprint_host_group` configuration.
pub fn expand(config: &Generic) -> Vec<Plain> {
    if !matches!(config, rmpv::Value::Map(_)) {
        return Vec::new();
    }
    let (topo, _) = topology::from_config(config);
    let group = as_str(get(config, "name")).map(str::to_string);
    let tags = get(config, "tags").clone();
    let named = |host: &str| match &group {
        Some(g) => string(&names::host(g, host)),
        None => unknown(),
    };
    let mut out = Vec::new();
    for (i, h) in items(config, "host").into_iter().enumerate() {
        let Some(host) = as_str(get(h, "name")) else {
            continue;
        };
        let sg = intern(format!("sg_{host}"));
        let role = intern(format!("role_{host}"));
        let profile = intern(format!("profile_{host}"));
        let mut rules = Vec::new();
        let mut origins = Vec::new();
        for r in topo.ingress(host) {
            let j = rules.len();
            let at = |f: &str| {
                path(&["ingress"])
                    .then(Step::Index(j))
                    .then(Step::Attr(f.into()))
            };
            let (field, source, origin) = match &r.from {
                From::Host(peer) => (
                    "security_groups",
                    list(vec![sibling(
                        "aws_security_group",
                        intern(format!("sg_{peer}")),
                        "id",
                    )]),
                    topo.hosts
                        .iter()
                        .position(|p| &p.name == peer)
                        .map(|k| host_path(k, "connects_to")),
                ),
                From::Group(g) => (
                    "security_groups",
                    list(vec![string(g)]),
                    Some(host_path(i, "public_from_security_group_ids")),
                ),
                From::Cidr(c) if r.why == "ssh" => (
                    "cidr_blocks",
                    list(vec![string(c)]),
                    Some(host_path(i, "ssh_cidr_blocks")),
                ),
                From::Cidr(c) => (
                    "cidr_blocks",
                    list(vec![string(c)]),
                    Some(host_path(i, "public_ports")),
                ),
            };
            if let Some(o) = origin {
                origins.push((at(field), o.clone()));
                origins.push((at("from_port"), o));
            }
            rules.push(object(vec![
                ("description", string(&r.why)),
                ("protocol", string(&r.protocol)),
                ("from_port", number(r.port)),
                ("to_port", number(r.port)),
                (field, source),
            ]));
        }
        let mut security_group = Plain::new(
            "aws_security_group",
            sg,
            object(vec![
                ("name", named(host)),
                ("vpc_id", get(config, "vpc_id").clone()),
                ("ingress", list(rules)),
                (
                    "egress",
                    list(vec![object(vec![
                        ("protocol", string("-1")),
                        ("from_port", number(0)),
                        ("to_port", number(0)),
                        ("cidr_blocks", list(vec![string("0.0.0.0/0")])),
                    ])]),
                ),
                ("tags", tags.clone()),
            ]),
        )
        .origin(path(&["name"]), host_path(i, "name"));
        security_group.origins.extend(origins);
        out.push(security_group);

        let mut role_attrs = vec![
            ("name", named(host)),
            (
                "assume_role_policy",
                string(
                    &serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }],
                    })
                    .to_string(),
                ),
            ),
            (
                "managed_policy_arns",
                list(vec![string(&format!(
                    "arn:aws:iam::aws:{}",
                    super::SSM_CORE
                ))]),
            ),
            ("tags", tags.clone()),
        ];
        if let Some(secrets) = entries(get(h, "secret_environment")) {
            let arns: Vec<&str> = secrets.iter().filter_map(|(_, v)| as_str(v)).collect();
            if !arns.is_empty() {
                let (ssm, sm): (Vec<&str>, Vec<&str>) =
                    arns.into_iter().partition(|a| boot::is_ssm(a));
                let mut statements = Vec::new();
                if !sm.is_empty() {
                    statements.push(serde_json::json!({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": sm}));
                }
                if !ssm.is_empty() {
                    statements.push(serde_json::json!({"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": ssm}));
                }
                role_attrs.push((
                    "inline_policy",
                    list(vec![object(vec![
                        ("name", string("blueprint-secrets")),
                        (
                            "policy",
                            string(
                                &serde_json::json!({"Version": "2012-10-17", "Statement": statements})
                                    .to_string(),
                            ),
                        ),
                    ])]),
                ));
            }
        }
        out.push(
            Plain::new("aws_iam_role", role, object(role_attrs))
                .origin(path(&["inline_policy"]), host_path(i, "secret_environment")),
        );
        out.push(Plain::new(
            "aws_iam_instance_profile",
            profile,
            object(vec![
                ("name", named(host)),
                ("role", sibling("aws_iam_role", role, "name")),
                ("tags", tags.clone()),
            ]),
        ));
        let ami = match get(h, "ami_id") {
            rmpv::Value::Nil => unknown(),
            v => v.clone(),
        };
        out.push(
            Plain::new(
                "aws_instance",
                intern(format!("instance_{host}")),
                object(vec![
                    ("ami", ami),
                    (
                        "instance_type",
                        match get(h, "instance_type") {
                            rmpv::Value::Nil => string("t3.small"),
                            v => v.clone(),
                        },
                    ),
                    ("subnet_id", get(h, "subnet_id").clone()),
                    ("vpc_security_group_ids", {
                        let mut groups = vec![sibling("aws_security_group", sg, "id")];
                        match get(h, "additional_security_group_ids") {
                            rmpv::Value::Array(more) => groups.extend(more.iter().cloned()),
                            rmpv::Value::Nil => {}
                            _ => groups.push(unknown()),
                        }
                        list(groups)
                    }),
                    (
                        "iam_instance_profile",
                        sibling("aws_iam_instance_profile", profile, "name"),
                    ),
                    (
                        "metadata_options",
                        list(vec![object(vec![
                            ("http_endpoint", string("enabled")),
                            ("http_tokens", string("required")),
                            ("http_put_response_hop_limit", number(2)),
                        ])]),
                    ),
                    (
                        "root_block_device",
                        list(vec![object(vec![
                            ("encrypted", rmpv::Value::Boolean(true)),
                            ("volume_type", string("gp3")),
                            ("volume_size", number_or(get(h, "volume_size"), 50)),
                        ])]),
                    ),
                    (
                        "user_data",
                        user_data(group.as_deref().unwrap_or("GROUP"), h),
                    ),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(path(&["ami"]), host_path(i, "ami_id"))
            .origin(path(&["instance_type"]), host_path(i, "instance_type"))
            .origin(path(&["subnet_id"]), host_path(i, "subnet_id"))
            .origin(path(&["user_data"]), host_path(i, "commands"))
            .origin(
                path(&["root_block_device"])
                    .then(Step::Index(0))
                    .then(Step::Attr("volume_size".into())),
                host_path(i, "volume_size"),
            ),
        );
    }
    out
}
