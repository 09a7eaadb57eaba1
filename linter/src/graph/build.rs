//! The model drawn as nodes and edges: resources the catalog knows, composites' parts,
//! security-group rules (CIDR → group, group → group) between the nodes the groups are attached
//! to, listeners → target groups → targets, and the findings of the rules on each edge.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::catalog::{info, Kind};
use super::exposure::{exposure, group_of, is_internet, ports_of, ports_text};
use super::members::{members, Member};
use super::{Edge, Graph, Node};
use crate::composite::written_at;
use crate::finding::{Finding, PathStep};
use crate::model::{Mode, Model, Resource, Value};
use crate::rules::support::{ingress_rules, SourceKind};

/// Id of the internet node.
pub const INTERNET: &str = "internet";

struct Builder<'m> {
    model: &'m Model,
    graph: Graph,
    index: HashMap<String, usize>,
    edges: BTreeMap<(usize, usize), usize>,
}

impl<'m> Builder<'m> {
    fn node(&mut self, node: Node) -> usize {
        if let Some(&i) = self.index.get(&node.id) {
            return i;
        }
        self.index.insert(node.id.clone(), self.graph.nodes.len());
        self.graph.nodes.push(node);
        self.graph.nodes.len() - 1
    }

    fn internet(&mut self) -> usize {
        self.node(Node::new(INTERNET, Kind::Internet, "Internet", "Internet"))
    }

    fn cidr(&mut self, cidr: &str) -> usize {
        self.node(Node::new(&format!("cidr {cidr}"), Kind::Cidr, "CIDR", cidr))
    }

    /// Adds (or merges into) the edge `from → to`, with `label` and where it comes from.
    fn edge(&mut self, from: usize, to: usize, label: &str, via: Option<(&str, &[PathStep])>) {
        let i = match self.edges.get(&(from, to)) {
            Some(&i) => i,
            None => {
                self.edges.insert((from, to), self.graph.edges.len());
                self.graph.edges.push(Edge {
                    from: self.graph.nodes[from].id.clone(),
                    to: self.graph.nodes[to].id.clone(),
                    labels: Vec::new(),
                    via: Vec::new(),
                    rules: BTreeSet::new(),
                });
                self.graph.edges.len() - 1
            }
        };
        let e = &mut self.graph.edges[i];
        if !label.is_empty() && !e.labels.iter().any(|l| l == label) {
            e.labels.push(label.to_string());
        }
        if let Some((address, path)) = via {
            e.via.push((address.to_string(), path.to_vec()));
        }
    }

    fn resolve(&self, v: &Value) -> Option<&'m Resource> {
        self.model.resolve(v.as_reference()?)
    }
}

/// Builds the graph of `model`, with `findings` (of the same model) on their edges and nodes.
pub fn build(model: &Model, findings: &[Finding]) -> Graph {
    let mut b = Builder {
        model,
        graph: Graph::default(),
        index: HashMap::new(),
        edges: BTreeMap::new(),
    };
    // Nodes: drawn resources, a composite's as the plain resources it builds, in its box.
    for r in model.resources.iter().filter(|r| r.mode == Mode::Managed) {
        let Some(t) = info(&r.resource_type) else {
            continue;
        };
        let mut n = Node::new(&r.address, t.kind, t.service, &r.address);
        n.address = Some(r.address.clone());
        if let Some(p) = &r.parent {
            n.cluster = Some(p.address.clone());
            n.service = format!("{} ({})", t.service, p.resource_type);
            n.address = Some(p.address.clone());
            b.node(n);
            continue;
        }
        match t.kind {
            Kind::LoadBalancer if matches!(t.ty, "aws_lb" | "aws_alb" | "aws_elb") => {
                n.service = lb_service(r);
                n.cluster = Some(r.address.clone());
            }
            Kind::Listener => {
                n.cluster = b
                    .resolve(r.attributes.get("load_balancer_arn"))
                    .map(|lb| lb.address.clone());
                n.service = listener_label(r);
            }
            _ => {}
        }
        b.node(n);
    }
    let members = members(model);
    let mut of_group: BTreeMap<&str, Vec<&Member<'_>>> = BTreeMap::new();
    for m in &members {
        of_group.entry(m.group.as_str()).or_default().push(m);
    }
    // Security-group rules.
    let ingress = ingress_rules(model);
    for ing in &ingress {
        let (Some(group), Some(ports)) = (group_of(ing), ports_of(ing)) else {
            continue;
        };
        let label = ports_text(ports);
        let targets = targets(&mut b, &of_group, &group, ports);
        for src in &ing.sources {
            let sources: Vec<usize> = match &src.kind {
                SourceKind::Cidr(c) => match is_internet(model, ing.group.as_deref(), c) {
                    Some(true) => vec![b.internet()],
                    Some(false) => vec![b.cidr(c)],
                    None => continue,
                },
                SourceKind::SecurityGroup(r) => match model.resolve(r) {
                    Some(sg) => group_nodes(&mut b, &of_group, &sg.address),
                    None => continue,
                },
                _ => continue,
            };
            let (at, path) = written_at(ing.resource, &src.path);
            for &s in &sources {
                for &t in &targets {
                    if s != t {
                        b.edge(s, t, &label, Some((&at, &path)));
                    }
                }
            }
        }
    }
    wire_load_balancers(&mut b);
    wire_uses(&mut b);
    // Findings: on the edges they were written on, and on the nodes of their resources.
    for f in findings {
        for e in &mut b.graph.edges {
            if e.via.iter().any(|(a, p)| {
                *a == f.address
                    && (f.attribute_path.starts_with(p)
                        || p.starts_with(&f.attribute_path) && !f.attribute_path.is_empty())
            }) {
                e.rules.insert(f.rule_id.clone());
            }
        }
        for n in &mut b.graph.nodes {
            if n.address.as_deref() == Some(f.address.as_str()) {
                n.rules.insert(f.rule_id.clone());
            }
        }
    }
    // The chains behind each data store reported as reachable: their edges carry the rule id.
    let reach = exposure(model, &ingress, &members);
    for f in findings
        .iter()
        .filter(|f| f.rule_id == "data-store-internet-reachable")
    {
        for m in members.iter().filter(|m| {
            written_at(m.resource, &m.path) == (f.address.clone(), f.attribute_path.clone())
        }) {
            if let Some(&i) = b.index.get(&m.node) {
                b.graph.nodes[i].rules.insert(f.rule_id.clone());
            }
            for e in reach.get(&m.group).into_iter().flatten() {
                for h in &e.chain {
                    for edge in &mut b.graph.edges {
                        if edge
                            .via
                            .iter()
                            .any(|(a, p)| *a == h.address && *p == h.path)
                        {
                            edge.rules.insert(f.rule_id.clone());
                        }
                    }
                }
            }
        }
    }
    super::reach::mark(&mut b.graph);
    b.graph
}

/// The plain type of a store kind of `blueprint_data_stores` (`table/KEY` and so on).
fn store_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "table" => "aws_dynamodb_table",
        "bucket" => "aws_s3_bucket",
        "queue" => "aws_sqs_queue",
        "topic" => "aws_sns_topic",
        _ => return None,
    })
}

/// What a service uses (`blueprint_secure_service`'s `uses`, naming a store of the
/// `blueprint_data_stores` its `data_stores` refers to): an edge from the service to the
/// store, labelled with the access (and the prefix), written on `uses[i]`.
fn wire_uses(b: &mut Builder<'_>) {
    let model = b.model;
    for r in model.resources.iter().filter(|r| {
        r.mode == Mode::Managed
            && r.parent.is_none()
            && r.resource_type == "blueprint_secure_service"
    }) {
        let Some(stores) = b.resolve(r.attributes.get("data_stores")) else {
            continue;
        };
        let Some(&service) = b
            .index
            .get(&format!("{}/aws_ecs_service.service", r.address))
        else {
            continue;
        };
        for (i, u) in r.attributes.blocks("uses") {
            let (Some(store), Some(access)) = (u.get("store").as_str(), u.get("access").as_str())
            else {
                continue;
            };
            let Some((kind, key)) = store.split_once('/') else {
                continue;
            };
            let Some(ty) = store_type(kind) else { continue };
            let Some(&target) = b
                .index
                .get(&format!("{}/{ty}.{kind}_{key}", stores.address))
            else {
                continue;
            };
            let label = match u.get("prefix").as_str() {
                Some(p) if !p.is_empty() => format!("{access} {p}"),
                _ => access.to_string(),
            };
            let path = [PathStep::Attribute("uses".into()), PathStep::Index(i)];
            b.edge(service, target, &label, Some((&r.address, &path)));
        }
    }
}

/// The nodes a group stands for: what it is attached to, or the group itself.
fn group_nodes(
    b: &mut Builder<'_>,
    of_group: &BTreeMap<&str, Vec<&Member<'_>>>,
    group: &str,
) -> Vec<usize> {
    let attached: Vec<String> = of_group
        .get(group)
        .map(|ms| ms.iter().map(|m| m.node.clone()).collect())
        .unwrap_or_default();
    let found: Vec<usize> = attached
        .iter()
        .filter_map(|id| b.index.get(id).copied())
        .collect();
    if !found.is_empty() {
        return dedup(found);
    }
    let name = b
        .model
        .get(group)
        .and_then(|sg| sg.attributes.get("name").as_str().map(str::to_string))
        .map(|n| format!("{group} ({n})"))
        .unwrap_or_else(|| group.to_string());
    let mut n = Node::new(group, Kind::SecurityGroup, "Security group", &name);
    n.address = b.model.get(group).map(|r| r.address.clone());
    vec![b.node(n)]
}

/// Where traffic admitted into `group` on `ports` lands: the attached nodes, with a load
/// balancer replaced by its listeners on those ports.
fn targets(
    b: &mut Builder<'_>,
    of_group: &BTreeMap<&str, Vec<&Member<'_>>>,
    group: &str,
    ports: (i64, i64),
) -> Vec<usize> {
    let mut out = Vec::new();
    for i in group_nodes(b, of_group, group) {
        if b.graph.nodes[i].kind != Kind::LoadBalancer {
            out.push(i);
            continue;
        }
        let lb = b.graph.nodes[i].id.clone();
        let listeners: Vec<usize> = b
            .model
            .resources
            .iter()
            .filter(|r| info(&r.resource_type).is_some_and(|t| t.kind == Kind::Listener))
            .filter(|r| {
                b.resolve(r.attributes.get("load_balancer_arn"))
                    .is_some_and(|x| x.address == lb)
            })
            .filter(|r| {
                r.attributes
                    .get("port")
                    .as_i64()
                    .is_some_and(|p| ports.0 <= p && p <= ports.1)
            })
            .filter_map(|r| b.index.get(&r.address).copied())
            .collect();
        if listeners.is_empty() {
            out.push(i);
        } else {
            out.extend(listeners);
        }
    }
    dedup(out)
}

fn dedup(mut v: Vec<usize>) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    v.retain(|i| seen.insert(*i));
    v
}

fn lb_service(r: &Resource) -> String {
    let internal = r.attributes.get("internal").as_bool() == Some(true);
    let ty = match r.resource_type.as_str() {
        "aws_elb" => "Classic LB",
        _ => match r.attributes.get("load_balancer_type").as_str() {
            Some("network") => "NLB",
            Some("gateway") => "GWLB",
            _ => "ALB",
        },
    };
    format!("{ty}{}", if internal { " (internal)" } else { "" })
}

fn listener_label(r: &Resource) -> String {
    let a = &r.attributes;
    let proto = a.get("protocol").as_str().unwrap_or("");
    match a.get("port").as_i64() {
        Some(p) => format!("Listener {proto} {p}").replace("  ", " "),
        None => "Listener".to_string(),
    }
}

/// Listeners → target groups (default actions, listener rules, redirects) → targets.
fn wire_load_balancers(b: &mut Builder<'_>) {
    let model = b.model;
    let mut forwards: Vec<(String, String, String, String)> = Vec::new(); // from, to, label, via
    for r in model.resources.iter().filter(|r| r.mode == Mode::Managed) {
        let ty = r.resource_type.as_str();
        let listener = match ty {
            "aws_lb_listener" | "aws_alb_listener" => Some(r.address.clone()),
            "aws_lb_listener_rule" | "aws_alb_listener_rule" => b
                .resolve(r.attributes.get("listener_arn"))
                .map(|l| l.address.clone()),
            _ => None,
        };
        if let Some(listener) = listener {
            let key = if ty.ends_with("_rule") {
                "action"
            } else {
                "default_action"
            };
            for (_, action) in r.attributes.blocks(key) {
                let mut tgs: Vec<&Value> = vec![action.get("target_group_arn")];
                for (_, fwd) in action.blocks("forward") {
                    for (_, tg) in fwd.blocks("target_group") {
                        tgs.push(tg.get("arn"));
                    }
                }
                for tg in tgs.into_iter().filter_map(|v| b.resolve(v)) {
                    forwards.push((
                        listener.clone(),
                        tg.address.clone(),
                        "forward".into(),
                        r.address.clone(),
                    ));
                }
                for (_, redirect) in action.blocks("redirect") {
                    let port = redirect.get("port").as_i64();
                    let lb = model
                        .get(&listener)
                        .and_then(|l| b.resolve(l.attributes.get("load_balancer_arn")));
                    let to = model.resources.iter().find(|o| {
                        matches!(
                            o.resource_type.as_str(),
                            "aws_lb_listener" | "aws_alb_listener"
                        ) && o.address != listener
                            && port.is_some()
                            && o.attributes.get("port").as_i64() == port
                            && b.resolve(o.attributes.get("load_balancer_arn"))
                                .map(|x| &x.address)
                                == lb.map(|x| &x.address)
                    });
                    if let Some(to) = to {
                        forwards.push((
                            listener.clone(),
                            to.address.clone(),
                            "redirect".into(),
                            r.address.clone(),
                        ));
                    }
                }
            }
        }
        match ty {
            "aws_ecs_service" => {
                for (_, lb) in r.attributes.blocks("load_balancer") {
                    if let Some(tg) = b.resolve(lb.get("target_group_arn")) {
                        let label = lb
                            .get("container_port")
                            .as_i64()
                            .map(|p| p.to_string())
                            .unwrap_or_default();
                        forwards.push((
                            tg.address.clone(),
                            r.address.clone(),
                            label,
                            r.address.clone(),
                        ));
                    }
                }
            }
            "aws_lb_target_group_attachment" | "aws_alb_target_group_attachment" => {
                if let (Some(tg), Some(target)) = (
                    b.resolve(r.attributes.get("target_group_arn")),
                    b.resolve(r.attributes.get("target_id")),
                ) {
                    let label = r
                        .attributes
                        .get("port")
                        .as_i64()
                        .map(|p| p.to_string())
                        .unwrap_or_default();
                    forwards.push((
                        tg.address.clone(),
                        target.address.clone(),
                        label,
                        r.address.clone(),
                    ));
                }
            }
            // API gateways have a public endpoint; integrations lead to listeners (VPC links),
            // functions or any other drawn resource.
            "aws_apigatewayv2_api" | "aws_api_gateway_rest_api" => {
                let private = r
                    .attributes
                    .blocks("endpoint_configuration")
                    .iter()
                    .any(|(_, e)| {
                        e.get("types")
                            .elements()
                            .iter()
                            .any(|(_, t)| t.as_str() == Some("PRIVATE"))
                    });
                if !private {
                    forwards.push((
                        INTERNET.to_string(),
                        r.address.clone(),
                        "HTTPS 443".into(),
                        r.address.clone(),
                    ));
                }
            }
            "aws_apigatewayv2_integration" => {
                if let (Some(api), Some(target)) = (
                    b.resolve(r.attributes.get("api_id")),
                    b.resolve(r.attributes.get("integration_uri")),
                ) {
                    let label = match r.attributes.get("connection_type").as_str() {
                        Some("VPC_LINK") => "VPC link",
                        _ => "integration",
                    };
                    forwards.push((
                        api.address.clone(),
                        target.address.clone(),
                        label.into(),
                        r.address.clone(),
                    ));
                }
            }
            // Events: a bucket notifies functions, queues and topics; a queue or stream feeds a
            // function.
            "aws_s3_bucket_notification" => {
                if let Some(bucket) = b.resolve(r.attributes.get("bucket")) {
                    for (block, arn) in [
                        ("lambda_function", "lambda_function_arn"),
                        ("queue", "queue_arn"),
                        ("topic", "topic_arn"),
                    ] {
                        for (_, n) in r.attributes.blocks(block) {
                            if let Some(target) = b.resolve(n.get(arn)) {
                                forwards.push((
                                    bucket.address.clone(),
                                    target.address.clone(),
                                    "event".into(),
                                    r.address.clone(),
                                ));
                            }
                        }
                    }
                }
            }
            "aws_lambda_event_source_mapping" => {
                if let (Some(source), Some(function)) = (
                    b.resolve(r.attributes.get("event_source_arn")),
                    b.resolve(r.attributes.get("function_name")),
                ) {
                    forwards.push((
                        source.address.clone(),
                        function.address.clone(),
                        "event".into(),
                        r.address.clone(),
                    ));
                }
            }
            "aws_autoscaling_group" => {
                for (_, v) in r.attributes.get("target_group_arns").elements() {
                    if let Some(tg) = b.resolve(v) {
                        forwards.push((
                            tg.address.clone(),
                            r.address.clone(),
                            String::new(),
                            r.address.clone(),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    for (from, to, label, via) in forwards {
        if from == INTERNET && b.index.contains_key(&to) {
            b.internet();
        }
        let (Some(&f), Some(&t)) = (b.index.get(&from), b.index.get(&to)) else {
            continue;
        };
        b.edge(f, t, &label, Some((&via, &[])));
    }
}
