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
