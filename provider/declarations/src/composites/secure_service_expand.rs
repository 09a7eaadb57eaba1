//! `blueprint_secure_service` as the plain resources it builds (see [`crate::expand`]): the
//! execution and task roles with their inline policies, the service's security group (the
//! container port from the ALB's group only), the log group, the target group and listener
//! rule, the Fargate task definition with its container's environment and secrets, the service
//! (no public IP) and the optional scalable target.

use crate::expand::{
    as_str, entries, get, list, number, number_or, object, path, sibling, single_block, string,
    Plain,
};
use crate::value::{unknown, Generic, Path, Step};

fn name_with(config: &Generic, prefix: &str, suffix: &str) -> Generic {
    match as_str(get(config, "name")) {
        Some(n) => string(&format!("{prefix}{n}{suffix}")),
        None => unknown(),
    }
}

fn policy(statements: Generic) -> Generic {
    object(vec![
        ("Version", string("2012-10-17")),
        ("Statement", statements),
    ])
}

fn assume(service: &str) -> Generic {
    policy(list(vec![object(vec![
        ("Effect", string("Allow")),
        ("Action", string("sts:AssumeRole")),
        ("Principal", object(vec![("Service", string(service))])),
    ])]))
}

/// `inline_policy[0].policy`, where the inline policies' statements are.
fn policy_path() -> Path {
    path(&["inline_policy"])
        .then(Step::Index(0))
        .then(Step::Attr("policy".into()))
}

/// The task role's inline policy: exactly `task_role_policy_statements`, each mapped back to
/// its statement (`Action[j]` to `actions[j]`, `Resource[j]` to `resources[j]`).
fn task_policy(config: &Generic) -> (Generic, Vec<(Path, Path)>) {
    let stmts = get(config, "task_role_policy_statements");
    let from = path(&["task_role_policy_statements"]);
    let statements_at = policy_path().then(Step::Attr("Statement".into()));
    let mut origins = vec![(statements_at.clone(), from.clone())];
    let derived = uses_statements(config);
    let given: &[Generic] = match stmts {
        rmpv::Value::Nil => &[],
        rmpv::Value::Array(items) => items.as_slice(),
        // Unknown statements: the whole list is unknown, whatever `uses` adds.
        other => {
            let inline = list(vec![object(vec![
                ("name", string("task")),
                ("policy", policy(other.clone())),
            ])]);
            return (inline, origins);
        }
    };
    if given.is_empty() && derived.is_empty() {
        return (rmpv::Value::Nil, Vec::new());
    }
    let mut statements = Vec::new();
    for (i, s) in given.iter().enumerate() {
        let to = statements_at.then(Step::Index(i));
        let at = from.then(Step::Index(i));
        origins.push((to.clone(), at.clone()));
        for (plain, composite) in [("Action", "actions"), ("Resource", "resources")] {
            origins.push((
                to.then(Step::Attr(plain.into())),
                at.then(Step::Attr(composite.into())),
            ));
        }
        statements.push(if matches!(s, rmpv::Value::Map(_)) {
            object(vec![
                ("Effect", string("Allow")),
                ("Action", get(s, "actions").clone()),
                ("Resource", get(s, "resources").clone()),
            ])
        } else {
            s.clone()
        });
    }
    for (statement, use_at) in derived {
        origins.push((statements_at.then(Step::Index(statements.len())), use_at));
        statements.push(statement);
    }
    let inline = list(vec![object(vec![
        ("name", string("task")),
        ("policy", policy(list(statements))),
    ])]);
    (inline, origins)
}

/// The statements `uses` derives (see [`super::uses`]), each with the `uses[i]` it comes
/// from. A use not known yet, or one the plan refuses, is an unknown statement (the plan's
/// checks report the refusal on its attribute).
fn uses_statements(config: &Generic) -> Vec<(Generic, Path)> {
    let rmpv::Value::Array(items) = get(config, "uses") else {
        return Vec::new();
    };
    let stores: Option<std::collections::BTreeMap<String, String>> =
        entries(get(config, "data_stores")).and_then(|es| {
            es.into_iter()
                .map(|(k, v)| Some((k.to_string(), as_str(v)?.to_string())))
                .collect()
        });
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let from = path(&["uses"]).then(Step::Index(i));
        let one = |s: &str| as_str(get(item, s)).map(str::to_string);
        let (Some(store), Some(access)) = (one("store"), one("access")) else {
            out.push((unknown(), from));
            continue;
        };
        let prefix = match get(item, "prefix") {
            rmpv::Value::Nil => None,
            v => match as_str(v) {
                Some(p) => Some(p.to_string()),
                None => {
                    out.push((unknown(), from));
                    continue;
                }
            },
        };
        let known_stores = match &stores {
            Some(m) => m.clone(),
            None if store.starts_with("arn:") => Default::default(),
            None => {
                out.push((unknown(), from));
                continue;
            }
        };
        let u = super::uses::Use {
            store,
            access,
            prefix,
        };
        match super::uses::derive(std::slice::from_ref(&u), &known_stores) {
            Ok(derived) => {
                for d in derived {
                    let statement = object(vec![
                        ("Effect", string("Allow")),
                        (
                            "Action",
                            list(d.actions.iter().map(|a| string(a)).collect()),
                        ),
                        (
                            "Resource",
                            list(d.resources.iter().map(|r| string(r)).collect()),
                        ),
                    ]);
                    out.push((statement, from.clone()));
                }
            }
            Err(_) => out.push((unknown(), from)),
        }
    }
    out
}

/// The execution role's secret statement: read exactly the container's `secrets`.
fn execution_policy(container: Option<(&Generic, Path)>) -> (Generic, Vec<(Path, Path)>) {
    let Some((c, base)) = container else {
        return (rmpv::Value::Nil, Vec::new());
    };
    let Some(secrets) = entries(get(c, "secrets")) else {
        return (rmpv::Value::Nil, Vec::new());
    };
    if secrets.is_empty() {
        return (rmpv::Value::Nil, Vec::new());
    }
    let res = policy_path()
        .then(Step::Attr("Statement".into()))
        .then(Step::Index(0))
        .then(Step::Attr("Resource".into()));
    let mut origins = Vec::new();
    let arns: Vec<Generic> = secrets
        .iter()
        .enumerate()
        .map(|(j, (k, arn))| {
            origins.push((
                res.then(Step::Index(j)),
                base.then(Step::Attr("secrets".into()))
                    .then(Step::Key(k.to_string())),
            ));
            (*arn).clone()
        })
        .collect();
    let inline = list(vec![object(vec![
        ("name", string("execution")),
        (
            "policy",
            policy(list(vec![object(vec![
                ("Effect", string("Allow")),
                (
                    "Action",
                    list(vec![
                        string("secretsmanager:GetSecretValue"),
                        string("ssm:GetParameters"),
                    ]),
                ),
                ("Resource", list(arns)),
            ])])),
        ),
    ])]);
    (inline, origins)
}

/// The container definition (as `jsonencode` would hold it): its environment as
/// `{name, value}` and secrets as `{name, valueFrom}`, each entry mapped back to its key.
fn container_definitions(
    config: &Generic,
    container: Option<(&Generic, Path)>,
) -> (Generic, Vec<(Path, Path)>) {
    let Some((c, base)) = container else {
        return (list(Vec::new()), Vec::new());
    };
    if !matches!(c, rmpv::Value::Map(_)) {
        return (unknown(), Vec::new());
    }
    let def = path(&["container_definitions"]).then(Step::Index(0));
    let mut origins = vec![(
        def.then(Step::Attr("image".into())),
        base.then(Step::Attr("image".into())),
    )];
    let mut pairs = |attr: &str, value_key: &str| -> Generic {
        let Some(vars) = entries(get(c, attr)) else {
            origins.push((
                def.then(Step::Attr(attr.into())),
                base.then(Step::Attr(attr.into())),
            ));
            return unknown();
        };
        list(
            vars.iter()
                .enumerate()
                .map(|(j, (k, v))| {
                    let from = base
                        .then(Step::Attr(attr.into()))
                        .then(Step::Key(k.to_string()));
                    let entry = def.then(Step::Attr(attr.into())).then(Step::Index(j));
                    origins.push((entry.then(Step::Attr(value_key.into())), from.clone()));
                    origins.push((entry, from));
                    object(vec![("name", string(k)), (value_key, (*v).clone())])
                })
                .collect(),
        )
    };
    let environment = pairs("environment", "value");
    let secrets = pairs("secrets", "valueFrom");
    let port = get(c, "port").clone();
    let defs = list(vec![object(vec![
        ("name", get(config, "name").clone()),
        ("image", get(c, "image").clone()),
        ("essential", rmpv::Value::Boolean(true)),
        (
            "portMappings",
            list(vec![object(vec![
                ("containerPort", port),
                ("protocol", string("tcp")),
            ])]),
        ),
        ("environment", environment),
        ("secrets", secrets),
        (
            "logConfiguration",
            object(vec![("logDriver", string("awslogs"))]),
        ),
    ])]);
    (defs, origins)
}

/// The plain resources of a `blueprint_secure_service` configuration.
pub fn expand(config: &Generic) -> Vec<Plain> {
    if !matches!(config, rmpv::Value::Map(_)) {
        return Vec::new();
    }
    let tags = get(config, "tags").clone();
    let container = single_block(config, "container");
    let port = container
        .as_ref()
        .map(|(c, _)| get(c, "port").clone())
        .unwrap_or_else(unknown);
    let port_from = container
        .as_ref()
        .map(|(_, p)| p.then(Step::Attr("port".into())));
    let mut out = Vec::new();

    let (exec_policy, exec_origins) = execution_policy(container.clone());
    let mut exec = Plain::new(
        "aws_iam_role",
        "execution_role",
        object(vec![
            ("name", name_with(config, "", "-execution")),
            ("assume_role_policy", assume("ecs-tasks.amazonaws.com")),
            ("inline_policy", exec_policy),
            ("tags", tags.clone()),
        ]),
    );
    exec.origins = exec_origins;
    out.push(exec);

    let (policy, origins) = task_policy(config);
    let mut task = Plain::new(
        "aws_iam_role",
        "task_role",
        object(vec![
            ("name", name_with(config, "", "-task")),
            ("assume_role_policy", assume("ecs-tasks.amazonaws.com")),
            ("inline_policy", policy),
            ("tags", tags.clone()),
        ]),
    );
    task.origins = origins;
    out.push(task);

    let rule = path(&["ingress"]).then(Step::Index(0));
    let mut sg = Plain::new(
        "aws_security_group",
        "security_group",
        object(vec![
            ("name", name_with(config, "", "-service")),
            ("vpc_id", get(config, "vpc_id").clone()),
            (
                "ingress",
                list(vec![object(vec![
                    ("description", string("from the load balancer")),
                    ("protocol", string("tcp")),
                    ("from_port", port.clone()),
                    ("to_port", port.clone()),
                    (
                        "security_groups",
                        list(vec![get(config, "alb_security_group_id").clone()]),
                    ),
                ])]),
            ),
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
    .origin(path(&["vpc_id"]), path(&["vpc_id"]))
    .origin(
        rule.then(Step::Attr("security_groups".into())),
        path(&["alb_security_group_id"]),
    )
    .origin(
        rule.then(Step::Attr("security_groups".into()))
            .then(Step::Index(0)),
        path(&["alb_security_group_id"]),
    );
    if let Some(p) = &port_from {
        sg = sg
            .origin(rule.then(Step::Attr("from_port".into())), p.clone())
            .origin(rule.then(Step::Attr("to_port".into())), p.clone());
    }
    out.push(sg);

    out.push(
        Plain::new(
            "aws_cloudwatch_log_group",
            "log_group",
            object(vec![
                ("name", name_with(config, "/ecs/", "")),
                (
                    "retention_in_days",
                    number_or(get(config, "log_retention_days"), 30),
                ),
                ("tags", tags.clone()),
            ]),
        )
        .origin(path(&["retention_in_days"]), path(&["log_retention_days"])),
    );

    let mut tg = Plain::new(
        "aws_lb_target_group",
        "target_group",
        object(vec![
            ("name", name_with(config, "", "-tg")),
            ("port", port.clone()),
            ("protocol", string("HTTP")),
            ("target_type", string("ip")),
            ("vpc_id", get(config, "vpc_id").clone()),
            (
                "health_check",
                list(vec![object(vec![(
                    "path",
                    match get(config, "health_check_path") {
                        rmpv::Value::Nil => string("/health"),
                        v => v.clone(),
                    },
                )])]),
            ),
            ("tags", tags.clone()),
        ]),
    )
    .origin(path(&["vpc_id"]), path(&["vpc_id"]))
    .origin(path(&["health_check"]), path(&["health_check_path"]));
    if let Some(p) = &port_from {
        tg = tg.origin(path(&["port"]), p.clone());
    }
    out.push(tg);

    out.push(
        Plain::new(
            "aws_lb_listener_rule",
            "listener_rule",
            object(vec![
                ("listener_arn", get(config, "listener_arn").clone()),
                ("priority", get(config, "priority").clone()),
                (
                    "action",
                    list(vec![object(vec![
                        ("type", string("forward")),
                        (
                            "target_group_arn",
                            sibling("aws_lb_target_group", "target_group", "arn"),
                        ),
                    ])]),
                ),
                (
                    "condition",
                    list(vec![object(vec![(
                        "path_pattern",
                        list(vec![object(vec![(
                            "values",
                            get(config, "path_patterns").clone(),
                        )])]),
                    )])]),
                ),
                ("tags", tags.clone()),
            ]),
        )
        .origin(path(&["listener_arn"]), path(&["listener_arn"]))
        .origin(path(&["priority"]), path(&["priority"]))
        .origin(
            path(&["condition"])
                .then(Step::Index(0))
                .then(Step::Attr("path_pattern".into()))
                .then(Step::Index(0))
                .then(Step::Attr("values".into())),
            path(&["path_patterns"]),
        ),
    );

    let (defs, def_origins) = container_definitions(config, container.clone());
    let mut td = Plain::new(
        "aws_ecs_task_definition",
        "task_definition",
        object(vec![
            ("family", get(config, "name").clone()),
            ("requires_compatibilities", list(vec![string("FARGATE")])),
            ("network_mode", string("awsvpc")),
            (
                "cpu",
                container
                    .as_ref()
                    .map(|(c, _)| number_or(get(c, "cpu"), 256))
                    .unwrap_or_else(unknown),
            ),
            (
                "memory",
                container
                    .as_ref()
                    .map(|(c, _)| number_or(get(c, "memory"), 512))
                    .unwrap_or_else(unknown),
            ),
            (
                "execution_role_arn",
                sibling("aws_iam_role", "execution_role", "arn"),
            ),
            ("task_role_arn", sibling("aws_iam_role", "task_role", "arn")),
            ("container_definitions", defs),
            ("tags", tags.clone()),
        ]),
    );
    td.origins = def_origins;
    if let Some((_, base)) = &container {
        td = td
            .origin(path(&["cpu"]), base.then(Step::Attr("cpu".into())))
            .origin(path(&["memory"]), base.then(Step::Attr("memory".into())));
    }
    out.push(td);

    let desired = match (
        get(config, "desired_count"),
        single_block(config, "autoscaling"),
    ) {
        (rmpv::Value::Nil, Some((a, _))) => get(a, "min").clone(),
        (rmpv::Value::Nil, None) => number(1),
        (v, _) => v.clone(),
    };
    let nc = path(&["network_configuration"]).then(Step::Index(0));
    let mut svc = Plain::new(
        "aws_ecs_service",
        "service",
        object(vec![
            ("name", get(config, "name").clone()),
            ("cluster", get(config, "cluster").clone()),
            ("launch_type", string("FARGATE")),
            ("desired_count", desired),
            (
                "task_definition",
                sibling("aws_ecs_task_definition", "task_definition", "arn"),
            ),
            (
                "network_configuration",
                list(vec![object(vec![
                    ("subnets", get(config, "subnet_ids").clone()),
                    (
                        "security_groups",
                        list(vec![sibling("aws_security_group", "security_group", "id")]),
                    ),
                    ("assign_public_ip", rmpv::Value::Boolean(false)),
                ])]),
            ),
            (
                "load_balancer",
                list(vec![object(vec![
                    (
                        "target_group_arn",
                        sibling("aws_lb_target_group", "target_group", "arn"),
                    ),
                    ("container_name", get(config, "name").clone()),
                    ("container_port", port),
                ])]),
            ),
            (
                "deployment_circuit_breaker",
                list(vec![object(vec![
                    ("enable", rmpv::Value::Boolean(true)),
                    ("rollback", rmpv::Value::Boolean(true)),
                ])]),
            ),
            ("tags", tags),
        ]),
    )
    .origin(path(&["name"]), path(&["name"]))
    .origin(path(&["cluster"]), path(&["cluster"]))
    .origin(path(&["desired_count"]), path(&["desired_count"]))
    .origin(nc.then(Step::Attr("subnets".into())), path(&["subnet_ids"]));
    if let Some(p) = &port_from {
        svc = svc.origin(
            path(&["load_balancer"])
                .then(Step::Index(0))
                .then(Step::Attr("container_port".into())),
            p.clone(),
        );
    }
    out.push(svc);

    // The scalable target, by the name the declaration gives its child of that kind.
    let scalable = super::declaration()
        .children
        .iter()
        .find(|c| c.kind == "aws_appautoscaling_target")
        .map(|c| c.name);
    if let (Some((a, base)), Some(name)) = (single_block(config, "autoscaling"), scalable) {
        out.push(
            Plain::new(
                "aws_appautoscaling_target",
                name,
                object(vec![
                    ("service_namespace", string("ecs")),
                    ("scalable_dimension", string("ecs:service:DesiredCount")),
                    ("min_capacity", get(a, "min").clone()),
                    ("max_capacity", get(a, "max").clone()),
                ]),
            )
            .origin(path(&["min_capacity"]), base.then(Step::Attr("min".into())))
            .origin(path(&["max_capacity"]), base.then(Step::Attr("max".into()))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expand::as_reference;

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

    fn map(entries: &[(&str, &str)]) -> Generic {
        rmpv::Value::Map(
            entries
                .iter()
                .map(|(k, v)| (rmpv::Value::from(*k), string(v)))
                .collect(),
        )
    }

    fn config(container_as_list: bool) -> Generic {
        let container = object(vec![
            ("image", string("1.dkr.ecr.us-east-2.amazonaws.com/users:1")),
            ("port", number(3001)),
            (
                "environment",
                map(&[("API_TOKEN", "tok"), ("LOG_LEVEL", "info")]),
            ),
            (
                "secrets",
                map(&[("DB", "arn:aws:secretsmanager:us-east-2:1:secret:db-AbCdEf")]),
            ),
        ]);
        object(vec![
            ("name", string("users")),
            ("cluster", string("senas")),
            ("vpc_id", string("vpc-1")),
            ("subnet_ids", list(vec![string("subnet-1")])),
            (
                "alb_security_group_id",
                crate::expand::reference("aws_security_group.alb", &["id"]),
            ),
            (
                "container",
                if container_as_list {
                    list(vec![container])
                } else {
                    container
                },
            ),
            (
                "task_role_policy_statements",
                list(vec![object(vec![
                    (
                        "actions",
                        list(vec![string("s3:GetObject"), string("s3:*")]),
                    ),
                    ("resources", list(vec![string("*")])),
                ])]),
            ),
        ])
    }

    #[test]
    fn the_service_is_private_and_admits_only_the_alb() {
        let plains = expand(&config(false));
        let svc = find(&plains, "service");
        let nc = path(&["network_configuration"]).then(Step::Index(0));
        assert_eq!(
            at(&svc.attrs, &nc.then(Step::Attr("assign_public_ip".into()))),
            &rmpv::Value::Boolean(false)
        );
        let sgs = at(
            &svc.attrs,
            &nc.then(Step::Attr("security_groups".into()))
                .then(Step::Index(0)),
        );
        assert_eq!(
            as_reference(sgs),
            Some(("/aws_security_group.security_group", vec!["id"]))
        );
        let sg = find(&plains, "security_group");
        let src = path(&["ingress"])
            .then(Step::Index(0))
            .then(Step::Attr("security_groups".into()))
            .then(Step::Index(0));
        assert_eq!(
            as_reference(at(&sg.attrs, &src)),
            Some(("aws_security_group.alb", vec!["id"]))
        );
        assert_eq!(
            sg.composite_path(&src.0).unwrap().to_string(),
            "alb_security_group_id"
        );
        let from = path(&["ingress"])
            .then(Step::Index(0))
            .then(Step::Attr("from_port".into()));
        assert_eq!(crate::expand::as_i64(at(&sg.attrs, &from)), Some(3001));
        assert_eq!(
            sg.composite_path(&from.0).unwrap().to_string(),
            "container.port"
        );
        let logs = find(&plains, "log_group");
        assert_eq!(
            crate::expand::as_i64(at(&logs.attrs, &path(&["retention_in_days"]))),
            Some(30)
        );
        assert!(plains.iter().all(|p| p.kind != "aws_appautoscaling_target"));
    }

    #[test]
    fn environment_and_statements_map_back_in_both_encodings() {
        for (as_list, base) in [(false, "container"), (true, "container[0]")] {
            let plains = expand(&config(as_list));
            let td = find(&plains, "task_definition");
            let value = path(&["container_definitions"])
                .then(Step::Index(0))
                .then(Step::Attr("environment".into()))
                .then(Step::Index(0))
                .then(Step::Attr("value".into()));
            assert_eq!(at(&td.attrs, &value), &string("tok"));
            assert_eq!(
                td.composite_path(&value.0).unwrap().to_string(),
                format!("{base}.environment[\"API_TOKEN\"]")
            );
            let role = find(&plains, "task_role");
            let action = policy_path()
                .then(Step::Attr("Statement".into()))
                .then(Step::Index(0))
                .then(Step::Attr("Action".into()))
                .then(Step::Index(1));
            assert_eq!(at(&role.attrs, &action), &string("s3:*"));
            assert_eq!(
                role.composite_path(&action.0).unwrap().to_string(),
                "task_role_policy_statements[0].actions[1]"
            );
            let exec = find(&plains, "execution_role");
            let secret = policy_path()
                .then(Step::Attr("Statement".into()))
                .then(Step::Index(0))
                .then(Step::Attr("Resource".into()))
                .then(Step::Index(0));
            assert_eq!(
                exec.composite_path(&secret.0).unwrap().to_string(),
                format!("{base}.secrets[\"DB\"]")
            );
        }
    }

    #[test]
    fn autoscaling_sets_the_scalable_target_and_the_desired_count() {
        let mut c = config(false);
        if let rmpv::Value::Map(m) = &mut c {
            m.push((
                rmpv::Value::from("autoscaling"),
                object(vec![("min", number(2)), ("max", number(6))]),
            ));
        }
        let plains = expand(&c);
        let a = plains
            .iter()
            .find(|p| p.kind == "aws_appautoscaling_target")
            .expect("scalable target");
        assert_eq!(a.kind, "aws_appautoscaling_target");
        assert_eq!(
            a.composite_path(&path(&["max_capacity"]).0)
                .unwrap()
                .to_string(),
            "autoscaling.max"
        );
        let svc = find(&plains, "service");
        assert_eq!(
            crate::expand::as_i64(at(&svc.attrs, &path(&["desired_count"]))),
            Some(2)
        );
    }

    #[test]
    fn unknown_statements_and_environment_stay_unknown() {
        let c = object(vec![
            ("name", string("users")),
            ("task_role_policy_statements", unknown()),
            (
                "container",
                object(vec![("port", number(80)), ("environment", unknown())]),
            ),
        ]);
        let plains = expand(&c);
        let role = find(&plains, "task_role");
        let stmts = policy_path().then(Step::Attr("Statement".into()));
        assert!(crate::value::is_unknown(at(&role.attrs, &stmts)));
        let td = find(&plains, "task_definition");
        let env = path(&["container_definitions"])
            .then(Step::Index(0))
            .then(Step::Attr("environment".into()));
        assert!(crate::value::is_unknown(at(&td.attrs, &env)));
    }

    #[test]
    fn uses_become_statements_that_map_back_to_their_block() {
        let config = object(vec![
            ("name", string("users")),
            (
                "data_stores",
                object(vec![(
                    "table/UserProgress",
                    string("arn:aws:dynamodb:us-east-2:1:table/senas-UserProgress"),
                )]),
            ),
            (
                "uses",
                list(vec![
                    object(vec![
                        ("store", string("table/UserProgress")),
                        ("access", string("write")),
                    ]),
                    object(vec![
                        (
                            "store",
                            string("arn:aws:sns:us-east-2:1:senas-achievement-notifs"),
                        ),
                        ("access", string("publish")),
                    ]),
                    object(vec![("store", unknown()), ("access", string("send"))]),
                ]),
            ),
        ]);
        let plains = expand(&config);
        let role = plains.iter().find(|p| p.name == "task_role").unwrap();
        let stmts = policy_path().then(Step::Attr("Statement".into()));
        let table = stmts.then(Step::Index(0));
        assert_eq!(
            at(
                &role.attrs,
                &table
                    .then(Step::Attr("Resource".into()))
                    .then(Step::Index(0))
            ),
            &string("arn:aws:dynamodb:us-east-2:1:table/senas-UserProgress")
        );
        assert_eq!(
            role.composite_path(&table.0).unwrap().to_string(),
            "uses[0]"
        );
        let topic = stmts.then(Step::Index(1)).then(Step::Attr("Action".into()));
        assert_eq!(at(&role.attrs, &topic), &list(vec![string("sns:Publish")]));
        assert_eq!(
            role.composite_path(&topic.0).unwrap().to_string(),
            "uses[1].Action"
        );
        assert!(crate::value::is_unknown(at(
            &role.attrs,
            &stmts.then(Step::Index(2))
        )));
    }
}
