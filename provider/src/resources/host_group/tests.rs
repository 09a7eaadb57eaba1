//! Plan-side unit tests of `blueprint_host_group`.

use super::*;

fn host(name: &str) -> HostValue {
    HostValue {
        name: Value::Value(name.into()),
        instance_type: Value::Value("t3.small".into()),
        volume_size: Value::Value(50),
        subnet_id: Value::Value("subnet-0123456789abcdef0".into()),
        packages: Value::Value(vec![]),
        commands: Value::Value(vec![]),
        public_ports: Value::Value(vec![]),
        public_from_security_group_ids: Value::Value(vec![]),
        ssh_cidr_blocks: Value::Value(vec![]),
        ..Default::default()
    }
}

fn config() -> HostGroupState {
    let conn = |h: &str, s: &str| {
        Value::Value(ConnectionValue {
            host: Value::Value(h.into()),
            service: Value::Value(s.into()),
        })
    };
    let svc = |n: &str, p: i64| {
        Value::Value(ServiceValue {
            name: Value::Value(n.into()),
            port: Value::Value(p),
            protocol: Value::Value("tcp".into()),
        })
    };
    let mut web = host("web");
    web.connects_to = Value::Value(vec![conn("files", "nfs")]);
    web.connects_to_external = Value::Value(vec![Value::Value(ExternalValue {
        name: Value::Value("db".into()),
        port: Value::Value(5432),
    })]);
    web.public_ports = Value::Value(vec![Value::Value(443)]);
    let mut files = host("files");
    files.serves = Value::Value(vec![svc("nfs", 2049)]);
    HostGroupState {
        name: Value::Value("anb".into()),
        vpc_id: Value::Value("vpc-0123456789abcdef0".into()),
        host: Value::Value(vec![Value::Value(web), Value::Value(files)]),
        ..Default::default()
    }
}

#[test]
fn the_plan_derives_rules_from_the_recorded_groups() {
    let clients = AwsClients::offline("us-east-2");
    let mut s = config();
    derive(&mut s, None, Some(&clients));
    // A new group: the ids and rules are known after apply; the boot hashes now.
    assert!(s.ingress_rules.is_unknown());
    assert!(entries(&s.user_data_sha256).contains_key("files"));
    let mut prior = s.clone();
    prior.security_group_ids = map([
        ("web".to_string(), "sg-0000000000000000a".to_string()),
        ("files".to_string(), "sg-0000000000000000b".to_string()),
    ]
    .into());
    let mut s = config();
    derive(&mut s, Some(&prior), Some(&clients));
    let rules = s.ingress_rules.as_ref_option().unwrap();
    let files: Vec<String> = rules["files"]
        .as_ref_option()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_ref_option().cloned())
        .collect();
    assert_eq!(files, ["tcp 2049-2049 sg-0000000000000000a"]);
    let web: Vec<String> = rules["web"]
        .as_ref_option()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_ref_option().cloned())
        .collect();
    assert_eq!(web, ["tcp 443-443 0.0.0.0/0"]);
    let db = &s.client_security_group_ids.as_ref_option().unwrap()["db"];
    assert_eq!(
        db.as_ref_option().unwrap(),
        &vec![Value::Value("sg-0000000000000000a".to_string())]
    );
}

#[test]
fn a_connection_to_an_undeclared_service_fails_on_its_path() {
    let mut s = config();
    if let Value::Value(hosts) = &mut s.host {
        if let Value::Value(h) = &mut hosts[0] {
            h.connects_to = Value::Value(vec![Value::Value(ConnectionValue {
                host: Value::Value("files".into()),
                service: Value::Value("redis".into()),
            })]);
        }
    }
    let mut diags = Diagnostics::default();
    HostGroup.validate(&s, &mut diags);
    assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
    assert_eq!(
        diags.errors[0].attribute,
        AttributePath::new("host")
            .index(0)
            .attribute("connects_to")
            .index(0)
            .attribute("service")
    );
}

/// A block setting every attribute, with values that stress the encoding: a variable named
/// like a block field, a null list beside empty ones, commands long enough for several tags.
fn full_host() -> HostValue {
    let s = |v: &str| Value::Value(v.to_string());
    let mut h = config().hosts()[0].clone();
    h.ami_id = s("ami-0123456789abcdef0");
    h.serves = Value::Value(vec![Value::Value(ServiceValue {
        name: s("https"),
        port: Value::Value(443),
        protocol: s("tcp"),
    })]);
    h.public_from_security_group_ids = Value::Value(vec![s("sg-0000000000000000c")]);
    h.additional_security_group_ids = Value::Null;
    h.ssh_cidr_blocks = Value::Value(vec![s("203.0.113.0/24")]);
    h.packages = Value::Value(vec![s("nginx"), s("python3-pip")]);
    h.commands = Value::Value(
        (0..12)
            .map(|i| {
                s(&format!(
                    "echo 'step {i}: ünïcode & \"quotes\"' >> /var/log/boot.log"
                ))
            })
            .collect(),
    );
    h.secret_environment = map([
        (
            "name".to_string(),
            "arn:aws:ssm:us-east-2:123456789012:parameter/a".to_string(),
        ),
        (
            "DB".to_string(),
            "arn:aws:secretsmanager:us-east-2:123456789012:secret:db-AbCdEf".to_string(),
        ),
    ]
    .into());
    h
}

#[test]
fn a_host_record_round_trips_through_tags_aws_accepts() {
    for (position, host) in [(0, full_host()), (1, config().hosts()[1].clone())] {
        let tags = record::encode(position, &host).unwrap();
        assert!(!tags.is_empty());
        for (k, v) in &tags {
            assert!(k.starts_with(record::RECORD_TAG), "{k}");
            assert!(k.len() <= 128, "{k}");
            assert!(
                !v.is_empty() && v.len() <= record::CHUNK,
                "{k}: {} chars",
                v.len()
            );
            // The IAM/EC2-safe alphabet (base64url).
            assert!(
                v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{k}={v}"
            );
        }
        assert_eq!(
            record::tag_count(position, &host),
            Some(tags.len()),
            "{host:?}"
        );
        // Among the group's other tags, as import reads them.
        let mut all = tags.clone();
        all.insert("Name".into(), "anb-web".into());
        all.insert("blueprint:owner".into(), "blueprint_host_group/anb".into());
        all.insert("team".into(), "senas".into());
        let (p, back) = record::decode(&all).unwrap();
        assert_eq!(p, position);
        assert_eq!(back, host);
    }
    // The long commands need several tags.
    assert!(record::encode(0, &full_host()).unwrap().len() > 1);
    // Null and empty stay apart.
    let (_, back) = record::decode(&record::encode(0, &full_host()).unwrap()).unwrap();
    assert!(back.additional_security_group_ids.is_null());
    assert_eq!(back.public_ports, Value::Value(vec![Value::Value(443)]));
}

#[test]
fn a_missing_or_damaged_record_is_an_error() {
    let mut tags = record::encode(0, &full_host()).unwrap();
    assert!(matches!(
        record::decode(&BTreeMap::new()),
        Err(record::RecordError::Missing)
    ));
    tags.remove(&format!("{}1", record::RECORD_TAG));
    assert!(matches!(
        record::decode(&tags),
        Err(record::RecordError::Gap(_))
    ));
    let junk: BTreeMap<String, String> = [(
        format!("{}0", record::RECORD_TAG),
        "bm90IGpzb24".to_string(),
    )]
    .into();
    assert!(record::decode(&junk).is_err());
}

#[test]
fn the_security_group_carries_the_record_and_a_change_rewrites_it() {
    let clients = AwsClients::offline("us-east-2");
    let mut s = config();
    derive(&mut s, None, Some(&clients));
    let tags = s.group_tags("files");
    assert_eq!(
        tags.get("blueprint:owner").map(String::as_str),
        Some("blueprint_host_group/anb")
    );
    let (p, back) = record::decode(&tags).unwrap();
    assert_eq!((p, &back), (1, s.hosts()[1]));
    // A new connection changes the record of the host that declares it, not the other's.
    let mut changed = s.clone();
    if let Value::Value(hosts) = &mut changed.host {
        if let Value::Value(h) = &mut hosts[0] {
            h.public_ports = Value::Value(vec![Value::Value(443), Value::Value(8443)]);
        }
    }
    assert_ne!(changed.group_tags("web"), s.group_tags("web"));
    assert_eq!(changed.group_tags("files"), s.group_tags("files"));
    // A block with an unknown value is not recorded yet.
    if let Value::Value(hosts) = &mut changed.host {
        if let Value::Value(h) = &mut hosts[0] {
            h.subnet_id = Value::Unknown;
        }
    }
    assert!(!changed
        .group_tags("web")
        .keys()
        .any(|k| k.starts_with(record::RECORD_TAG)));
}

#[test]
fn a_record_that_does_not_fit_beside_the_tags_fails_the_plan_on_its_host() {
    let clients = AwsClients::offline("us-east-2");
    let mut s = config();
    s.tags = map((0..45)
        .map(|i| (format!("k{i}"), "v".to_string()))
        .collect());
    derive(&mut s, None, Some(&clients));
    let mut diags = Diagnostics::default();
    s.record_problems(&mut diags);
    // 45 tags, Name and the owner tag leave 3 for each record: both fit.
    assert!(diags.errors.is_empty(), "{:?}", diags.errors);
    if let Value::Value(hosts) = &mut s.host {
        hosts[1] = Value::Value(full_host());
        if let Value::Value(h) = &mut hosts[1] {
            h.name = Value::Value("files".into());
            h.serves = Value::Value(vec![Value::Value(ServiceValue {
                name: Value::Value("nfs".into()),
                port: Value::Value(2049),
                protocol: Value::Value("tcp".into()),
            })]);
            h.commands = Value::Value(vec![Value::Value("x".repeat(2000))]);
        }
    }
    let mut diags = Diagnostics::default();
    s.record_problems(&mut diags);
    assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
    assert_eq!(
        diags.errors[0].attribute,
        AttributePath::new("host").index(1)
    );
    assert!(
        diags.errors[0].detail.contains("blueprint:host:"),
        "{}",
        diags.errors[0].detail
    );
}
