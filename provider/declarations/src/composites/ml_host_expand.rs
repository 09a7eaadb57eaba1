//! `blueprint_ml_host` as the plain resources it builds (see [`crate::expand`]): the role and
//! its profile, the security group with the ingress its inputs open, the optional key pair, the
//! instance (IMDSv2 required, encrypted root volume, the boot script with the container's plain
//! environment) and the optional Elastic IP.

use crate::expand::{
    as_str, bool_or, entries, get, is_empty_list, list, number, number_or, object, path, sibling,
    string, Plain,
};
use crate::value::{unknown, Generic, Path, Step};

/// The container port when neither `host_port` nor `container_port` is set.
const DEFAULT_PORT: i64 = 8000;

fn name_with(config: &Generic, suffix: &str) -> Generic {
    match as_str(get(config, "name")) {
        Some(n) => string(&format!("{n}{suffix}")),
        None => unknown(),
    }
}

/// Shell single-quoting, as the boot script writes `--env 'NAME=value'`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A summary of the boot script the provider renders: the container run with its plain
/// environment as `--env 'NAME=value'` and each secret fetched at boot into `NAME`. Unknown
/// when the environment itself is unknown; an unknown value is left out.
fn user_data(config: &Generic) -> Generic {
    let (Some(env), Some(secrets)) = (
        entries(get(config, "environment")),
        entries(get(config, "secret_environment")),
    ) else {
        return unknown();
    };
    let image = as_str(get(config, "image")).unwrap_or("IMAGE");
    let mut script = String::from("#!/bin/bash\n# blueprint_ml_host boot script (summary)\n");
    for (k, v) in &secrets {
        let arn = as_str(v).unwrap_or("ARN");
        script.push_str(&format!(
            "export {k}=\"$(fetch-secret {})\"\n",
            shell_quote(arn)
        ));
    }
    script.push_str("docker run --detach --restart unless-stopped \\\n");
    for (k, v) in &env {
        if let Some(v) = as_str(v) {
            script.push_str(&format!(
                "  --env {} \\\n",
                shell_quote(&format!("{k}={v}"))
            ));
        }
    }
    for (k, _) in &secrets {
        script.push_str(&format!("  --env {k} \\\n"));
    }
    script.push_str(&format!("  {}\n", shell_quote(image)));
    string(&script)
}

/// The security group's ingress: SSH from `ssh_cidr_blocks`, `host_port` (else
/// `container_port`, else 8000) from `app_cidr_blocks` and
/// `allow_app_from_security_group_ids`; a rule only for a list that is not known empty.
fn ingress(config: &Generic) -> (Generic, Vec<(Path, Path)>) {
    let mut rules = Vec::new();
    let mut origins = Vec::new();
    let at = |i: usize, attr: &str| {
        path(&["ingress"])
            .then(Step::Index(i))
            .then(Step::Attr(attr.into()))
    };
    let ssh = get(config, "ssh_cidr_blocks");
    if !is_empty_list(ssh) {
        let i = rules.len();
        origins.push((at(i, "cidr_blocks"), path(&["ssh_cidr_blocks"])));
        rules.push(object(vec![
            ("description", string("SSH")),
            ("protocol", string("tcp")),
            ("from_port", number(22)),
            ("to_port", number(22)),
            ("cidr_blocks", ssh.clone()),
        ]));
    }
    let (port, port_from) = match (get(config, "host_port"), get(config, "container_port")) {
        (rmpv::Value::Nil, rmpv::Value::Nil) => (number(DEFAULT_PORT), None),
        (rmpv::Value::Nil, p) => (number_or(p, DEFAULT_PORT), Some("container_port")),
        (p, _) => (number_or(p, DEFAULT_PORT), Some("host_port")),
    };
    for (attr, field) in [
        ("app_cidr_blocks", "cidr_blocks"),
        ("allow_app_from_security_group_ids", "security_groups"),
    ] {
        let sources = get(config, attr);
        if is_empty_list(sources) {
            continue;
        }
        let i = rules.len();
        origins.push((at(i, field), path(&[attr])));
        if let Some(p) = port_from {
            origins.push((at(i, "from_port"), path(&[p])));
            origins.push((at(i, "to_port"), path(&[p])));
        }
        rules.push(object(vec![
            ("description", string("application")),
            ("protocol", string("tcp")),
            ("from_port", port.clone()),
            ("to_port", port.clone()),
            (field, sources.clone()),
        ]));
    }
    (list(rules), origins)
}

/// All traffic out, or HTTPS only with `restrict_egress`.
fn egress(config: &Generic) -> Generic {
    let rule = |protocol: &str, from: i64, to: i64| {
        object(vec![
            ("protocol", string(protocol)),
            ("from_port", number(from)),
            ("to_port", number(to)),
            ("cidr_blocks", list(vec![string("0.0.0.0/0")])),
        ])
    };
    match get(config, "restrict_egress") {
        rmpv::Value::Boolean(true) => list(vec![rule("tcp", 443, 443)]),
        rmpv::Value::Nil | rmpv::Value::Boolean(false) => list(vec![rule("-1", 0, 0)]),
        _ => unknown(),
    }
}

/// The role's inline policy: read exactly the `secret_environment` ARNs (one statement each).
fn secrets_policy(config: &Generic) -> Option<(Generic, Vec<(Path, Path)>)> {
    let secrets = entries(get(config, "secret_environment"))?;
    if secrets.is_empty() {
        return None;
    }
    let base = path(&["inline_policy"])
        .then(Step::Index(0))
        .then(Step::Attr("policy".into()));
    let mut statements = Vec::new();
    let mut origins = Vec::new();
    for (i, (k, arn)) in secrets.iter().enumerate() {
        let action = match as_str(arn) {
            Some(a) if a.starts_with("arn:") && a.split(':').nth(2) == Some("ssm") => {
                "ssm:GetParameter"
            }
            _ => "secretsmanager:GetSecretValue",
        };
        let from = Path::attr("secret_environment").then(Step::Key(k.to_string()));
        let stmt = base
            .then(Step::Attr("Statement".into()))
            .then(Step::Index(i));
        origins.push((stmt.clone(), from.clone()));
        origins.push((
            stmt.then(Step::Attr("Resource".into()))
                .then(Step::Index(0)),
            from,
        ));
        statements.push(object(vec![
            ("Effect", string("Allow")),
            ("Action", list(vec![string(action)])),
            ("Resource", list(vec![(*arn).clone()])),
        ]));
    }
    let policy = object(vec![
        ("name", string("secrets")),
        (
            "policy",
            object(vec![
                ("Version", string("2012-10-17")),
                ("Statement", list(statements)),
            ]),
        ),
    ]);
    Some((list(vec![policy]), origins))
}

/// The plain resources of a `blueprint_ml_host` configuration.
pub fn expand(config: &Generic) -> Vec<Plain> {
    if !matches!(config, rmpv::Value::Map(_)) {
        return Vec::new();
    }
    let tags = get(config, "tags").clone();
    let mut out = Vec::new();

    let mut role = Plain::new(
        "aws_iam_role",
        "role",
        object(vec![
            ("name", name_with(config, "-role")),
            (
                "assume_role_policy",
                object(vec![
                    ("Version", string("2012-10-17")),
                    (
                        "Statement",
                        list(vec![object(vec![
                            ("Effect", string("Allow")),
                            ("Action", string("sts:AssumeRole")),
                            (
                                "Principal",
                                object(vec![("Service", string("ec2.amazonaws.com"))]),
                            ),
                        ])]),
                    ),
                ]),
            ),
            (
                "managed_policy_arns",
                list(vec![string(
                    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                )]),
            ),
            ("tags", tags.clone()),
        ]),
    )
    .origin(path(&["name"]), path(&["name"]))
    .origin(path(&["tags"]), path(&["tags"]));
    if let Some((policy, origins)) = secrets_policy(config) {
        if let rmpv::Value::Map(m) = &mut role.attrs {
            m.push((rmpv::Value::from("inline_policy"), policy));
        }
        role.origins.extend(origins);
    }
    out.push(role);

    out.push(
        Plain::new(
            "aws_iam_instance_profile",
            "instance_profile",
            object(vec![
                ("name", name_with(config, "-profile")),
                ("role", sibling("aws_iam_role", "role", "name")),
                ("tags", tags.clone()),
            ]),
        )
        .origin(path(&["name"]), path(&["name"])),
    );

    let (ingress, ingress_origins) = ingress(config);
    let mut sg = Plain::new(
        "aws_security_group",
        "security_group",
        object(vec![
            ("name", name_with(config, "-sg")),
            ("vpc_id", get(config, "vpc_id").clone()),
            ("ingress", ingress),
            ("egress", egress(config)),
            ("tags", tags.clone()),
        ]),
    )
    .origin(path(&["name"]), path(&["name"]))
    .origin(path(&["vpc_id"]), path(&["vpc_id"]))
    .origin(path(&["egress"]), path(&["restrict_egress"]));
    sg.origins.extend(ingress_origins);
    out.push(sg);

    let key = get(config, "ssh_public_key");
    let has_key = !key.is_nil();
    if has_key {
        out.push(
            Plain::new(
                "aws_key_pair",
                "key_pair",
                object(vec![
                    ("key_name", name_with(config, "-key")),
                    ("public_key", key.clone()),
                    ("tags", tags.clone()),
                ]),
            )
            .origin(path(&["public_key"]), path(&["ssh_public_key"])),
        );
    }

    let ami = match get(config, "ami_id") {
        rmpv::Value::Nil => unknown(),
        v => v.clone(),
    };
    out.push(
        Plain::new(
            "aws_instance",
            "instance",
            object(vec![
                ("ami", ami),
                (
                    "instance_type",
                    match get(config, "instance_type") {
                        rmpv::Value::Nil => string("t3.micro"),
                        v => v.clone(),
                    },
                ),
                ("subnet_id", get(config, "subnet_id").clone()),
                (
                    "vpc_security_group_ids",
                    list(vec![sibling("aws_security_group", "security_group", "id")]),
                ),
                (
                    "iam_instance_profile",
                    sibling("aws_iam_instance_profile", "instance_profile", "name"),
                ),
                (
                    "key_name",
                    if has_key {
                        sibling("aws_key_pair", "key_pair", "key_name")
                    } else {
                        rmpv::Value::Nil
                    },
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
                        ("volume_size", number_or(get(config, "root_volume_size"), 8)),
                    ])]),
                ),
                ("user_data", user_data(config)),
                ("tags", tags.clone()),
            ]),
        )
        .origin(path(&["ami"]), path(&["ami_id"]))
        .origin(path(&["instance_type"]), path(&["instance_type"]))
        .origin(path(&["subnet_id"]), path(&["subnet_id"]))
        .origin(path(&["user_data"]), path(&["environment"]))
        .origin(
            path(&["root_block_device"])
                .then(Step::Index(0))
                .then(Step::Attr("volume_size".into())),
            path(&["root_volume_size"]),
        ),
    );

    let eip = bool_or(get(config, "associate_elastic_ip"), true);
    if eip != rmpv::Value::Boolean(false) {
        out.push(
            Plain::new(
                "aws_eip",
                "elastic_ip",
                object(vec![
                    ("domain", string("vpc")),
                    ("instance", sibling("aws_instance", "instance", "id")),
                    ("tags", tags),
                ]),
            )
            .origin(path(&["instance"]), path(&["associate_elastic_ip"])),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expand::{as_reference, boolean};

    fn find<'p>(plains: &'p [Plain], name: &str) -> &'p Plain {
        plains.iter().find(|p| p.name == name).expect(name)
    }

    fn at<'v>(v: &'v Generic, p: &Path) -> &'v Generic {
        let mut cur = v;
        for s in &p.0 {
            cur = match (cur, s) {
                (rmpv::Value::Map(_), Step::Attr(a) | Step::Key(a)) => get(cur, a),
                (rmpv::Value::Array(l), Step::Index(i)) => &l[*i],
                _ => panic!("{p} not in {v}"),
            };
        }
        cur
    }

    fn config(fields: Vec<(&str, Generic)>) -> Generic {
        let mut all = vec![
            ("name", string("api")),
            ("image", string("1.dkr.ecr.us-east-2.amazonaws.com/api:1")),
        ];
        all.extend(fields);
        object(all)
    }

    #[test]
    fn ingress_follows_the_inputs_and_maps_back() {
        let c = config(vec![
            ("ssh_cidr_blocks", list(vec![string("0.0.0.0/0")])),
            (
                "app_cidr_blocks",
                list(vec![string("10.0.0.0/8"), string("::/0")]),
            ),
            ("container_port", number(9000)),
        ]);
        let plains = expand(&c);
        let sg = find(&plains, "security_group");
        assert_eq!(sg.kind, "aws_security_group");
        let ssh = path(&["ingress"]).then(Step::Index(0));
        assert_eq!(
            as_i(at(&sg.attrs, &ssh.then(Step::Attr("from_port".into())))),
            22
        );
        let app = path(&["ingress"]).then(Step::Index(1));
        assert_eq!(
            as_i(at(&sg.attrs, &app.then(Step::Attr("to_port".into())))),
            9000,
            "host_port follows container_port"
        );
        let cidr = app
            .then(Step::Attr("cidr_blocks".into()))
            .then(Step::Index(1));
        assert_eq!(at(&sg.attrs, &cidr), &string("::/0"));
        assert_eq!(
            sg.composite_path(&cidr.0).unwrap().to_string(),
            "app_cidr_blocks[1]"
        );
        assert_eq!(
            sg.composite_path(&app.then(Step::Attr("from_port".into())).0)
                .unwrap()
                .to_string(),
            "container_port"
        );
        // Only two rules: no security-group sources were given.
        assert_eq!(
            at(&sg.attrs, &path(&["ingress"])).as_array().unwrap().len(),
            2
        );
        // Default egress: all traffic.
        let e = path(&["egress"]).then(Step::Index(0));
        assert_eq!(
            at(&sg.attrs, &e.then(Step::Attr("protocol".into()))),
            &string("-1")
        );
    }

    fn as_i(v: &Generic) -> i64 {
        crate::expand::as_i64(v).unwrap()
    }

    #[test]
    fn defaults_give_no_ingress_port_8000_and_the_optional_children() {
        let plains = expand(&config(vec![(
            "allow_app_from_security_group_ids",
            list(vec![string("sg-0123456789abcdef0")]),
        )]));
        let names: Vec<&str> = plains.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "role",
                "instance_profile",
                "security_group",
                "instance",
                "elastic_ip"
            ]
        );
        let sg = find(&plains, "security_group");
        let rule = path(&["ingress"]).then(Step::Index(0));
        assert_eq!(
            as_i(at(&sg.attrs, &rule.then(Step::Attr("from_port".into())))),
            8000
        );
        assert_eq!(
            sg.composite_path(&rule.then(Step::Attr("from_port".into())).0),
            None,
            "the default port is no attribute's"
        );
        let with_key = expand(&config(vec![
            ("ssh_public_key", string("ssh-ed25519 AAAA")),
            ("associate_elastic_ip", boolean(false)),
        ]));
        let names: Vec<&str> = with_key.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "role",
                "instance_profile",
                "security_group",
                "key_pair",
                "instance"
            ]
        );
    }

    #[test]
    fn the_instance_is_hardened_and_carries_the_plain_environment() {
        let c = config(vec![
            (
                "environment",
                rmpv::Value::Map(vec![
                    (rmpv::Value::from("HF_TOKEN"), string("hf_x")),
                    (rmpv::Value::from("LATER"), unknown()),
                ]),
            ),
            (
                "secret_environment",
                rmpv::Value::Map(vec![(
                    rmpv::Value::from("DB"),
                    string("arn:aws:ssm:us-east-2:123456789012:parameter/db"),
                )]),
            ),
        ]);
        let plains = expand(&c);
        let i = find(&plains, "instance");
        let tokens = at(
            &i.attrs,
            &path(&["metadata_options"])
                .then(Step::Index(0))
                .then(Step::Attr("http_tokens".into())),
        );
        assert_eq!(tokens, &string("required"));
        let enc = path(&["root_block_device"])
            .then(Step::Index(0))
            .then(Step::Attr("encrypted".into()));
        assert_eq!(at(&i.attrs, &enc), &boolean(true));
        let script = at(&i.attrs, &path(&["user_data"])).as_str().unwrap();
        assert!(script.contains("--env 'HF_TOKEN=hf_x'"), "{script}");
        assert!(!script.contains("LATER"), "unknown values are left out");
        assert!(script.contains("--env DB \\"), "{script}");
        assert_eq!(
            i.composite_path(&path(&["user_data"]).then(Step::Key("HF_TOKEN".into())).0)
                .unwrap()
                .to_string(),
            "environment[\"HF_TOKEN\"]"
        );
        let sgs = at(
            &i.attrs,
            &path(&["vpc_security_group_ids"]).then(Step::Index(0)),
        );
        assert_eq!(
            as_reference(sgs),
            Some(("/aws_security_group.security_group", vec!["id"]))
        );
        // The role reads exactly the secret, mapped back to its entry.
        let role = find(&plains, "role");
        let res = path(&["inline_policy"])
            .then(Step::Index(0))
            .then(Step::Attr("policy".into()))
            .then(Step::Attr("Statement".into()))
            .then(Step::Index(0))
            .then(Step::Attr("Resource".into()))
            .then(Step::Index(0));
        assert!(at(&role.attrs, &res).as_str().unwrap().contains(":ssm:"));
        assert_eq!(
            role.composite_path(&res.0).unwrap().to_string(),
            "secret_environment[\"DB\"]"
        );
    }

    #[test]
    fn unknown_inputs_stay_unknown() {
        let c = config(vec![
            ("ssh_cidr_blocks", unknown()),
            ("host_port", unknown()),
            ("app_cidr_blocks", list(vec![string("0.0.0.0/0")])),
            ("environment", unknown()),
        ]);
        let plains = expand(&c);
        let sg = find(&plains, "security_group");
        let ssh = path(&["ingress"])
            .then(Step::Index(0))
            .then(Step::Attr("cidr_blocks".into()));
        assert!(crate::value::is_unknown(at(&sg.attrs, &ssh)));
        let port = path(&["ingress"])
            .then(Step::Index(1))
            .then(Step::Attr("from_port".into()));
        assert!(crate::value::is_unknown(at(&sg.attrs, &port)));
        let i = find(&plains, "instance");
        assert!(crate::value::is_unknown(at(
            &i.attrs,
            &path(&["user_data"])
        )));
        assert!(expand(&unknown()).is_empty());
    }
}
