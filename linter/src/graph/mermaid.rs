//! The graph as a Mermaid flowchart that GitHub renders (quoted labels, `classDef` colours,
//! `linkStyle` for edges that break a rule, one `subgraph` per load balancer or composite).
//!
//! The layout stays readable when a page scales the picture down: the direction that makes the
//! narrower picture (top to bottom for long chains such as internet → listener → target group →
//! service → database, left to right for wide fan-outs), module addresses broken after the
//! module instance (`module.service["ml"]` then `.aws_ecs_service.service`), and the stores no
//! network path reaches in a grid (invisible `~~~` links; top to bottom, below everything else),
//! not in one long row.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{Graph, Kind, Node, Reach};

/// Text safe inside a quoted Mermaid label (quotes, angle brackets and `#` as entities).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `name` escaped, with a line break after each module instance key (`module.a["k"]` then
/// `.aws_x.y`): the long part of the addresses of resources made in `for_each` modules.
fn address(name: &str) -> String {
    escape(name).replace("#quot;].", "#quot;]<br/>.")
}

fn label(n: &Node) -> String {
    let mut l = escape(&n.service);
    if n.name != n.service {
        l.push_str("<br/>");
        l.push_str(&address(&n.name));
    }
    if !n.rules.is_empty() {
        let ids: Vec<&str> = n.rules.iter().map(String::as_str).collect();
        let _ = write!(l, "<br/>⚠ {}", escape(&ids.join(", ")));
    }
    l
}

fn shape(n: &Node, id: &str) -> String {
    let l = label(n);
    match n.kind {
        Kind::Internet => format!("{id}((\"{l}\"))"),
        Kind::DataStore | Kind::ApiStore => format!("{id}[(\"{l}\")]"),
        Kind::LoadBalancer => format!("{id}{{{{\"{l}\"}}}}"),
        Kind::Listener | Kind::TargetGroup => format!("{id}([\"{l}\"])"),
        Kind::Cidr | Kind::SecurityGroup => format!("{id}>\"{l}\"]"),
        Kind::Compute => format!("{id}[\"{l}\"]"),
    }
}

fn class(n: &Node) -> &'static str {
    match (n.kind, n.reach) {
        (Kind::Internet, _) => "internet",
        (_, _) if !n.rules.is_empty() => "finding",
        (Kind::DataStore | Kind::ApiStore, Reach::No) => "store",
        (_, Reach::Direct) => "exposed",
        (_, Reach::Transitive) => "reachable",
        _ => "private",
    }
}

/// Columns of the grid the unconnected stores are laid out in: about as many as rows.
fn grid_columns(stores: usize) -> usize {
    (1..=stores).find(|c| c * c >= stores).unwrap_or(1)
}

/// `TB` or `LR`: whichever lays the connected part of `graph` out narrower. Each node's rank is
/// the longest edge path reaching it, as the layout ranks nodes (a cycle stops adding after as
/// many rounds as there are nodes); top to bottom the picture is about as wide as the fullest
/// rank, left to right as wide as the number of ranks (labels are wider than tall, so a node
/// costs about the same width either way).
fn direction(graph: &Graph, connected: &BTreeSet<&str>) -> &'static str {
    let mut rank: BTreeMap<&str, usize> = connected.iter().map(|n| (*n, 0)).collect();
    for _ in 0..connected.len() {
        let mut changed = false;
        for e in &graph.edges {
            let from = rank.get(e.from.as_str()).copied().unwrap_or(0);
            if let Some(to) = rank.get_mut(e.to.as_str()) {
                if *to < from + 1 {
                    *to = from + 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut per_rank: BTreeMap<usize, usize> = BTreeMap::new();
    for r in rank.values() {
        *per_rank.entry(*r).or_default() += 1;
    }
    let ranks = per_rank.len();
    let fullest = per_rank.values().copied().max().unwrap_or(0);
    if fullest < ranks {
        "TB"
    } else {
        "LR"
    }
}

/// A Mermaid flowchart of `graph` (`flowchart TB` or `LR`, see [`direction`]).
pub fn render(graph: &Graph) -> String {
    let mut s = String::new();
    let mut classdefs = String::new();
    classdefs.push_str("  classDef internet fill:#fde0dc,stroke:#b71c1c,color:#000\n");
    classdefs.push_str("  classDef exposed fill:#ffe0b2,stroke:#e65100,color:#000\n");
    classdefs.push_str("  classDef reachable fill:#fff9c4,stroke:#f9a825,color:#000\n");
    classdefs.push_str("  classDef private fill:#e8f5e9,stroke:#2e7d32,color:#000\n");
    classdefs.push_str("  classDef store fill:#e3f2fd,stroke:#1565c0,color:#000\n");
    classdefs
        .push_str("  classDef finding fill:#ffcdd2,stroke:#c62828,stroke-width:3px,color:#000\n");
    let ids: BTreeMap<&str, String> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("n{i}")))
        .collect();
    // Stores no edge touches (DynamoDB, S3, SQS, SNS) go in one box laid out in rows, and the
    // instances of one `count`/`for_each` block share a node.
    let connected: BTreeSet<&str> = graph
        .edges
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .collect();
    let direction = direction(graph, &connected);
    let _ = writeln!(s, "flowchart {direction}");
    s.push_str(&classdefs);
    let mut api: Vec<(&str, &str, Vec<&Node>)> = Vec::new();
    let mut clusters: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for n in &graph.nodes {
        if n.kind == Kind::ApiStore && n.cluster.is_none() && !connected.contains(n.id.as_str()) {
            let base = n.name.split('[').next().unwrap_or(&n.name);
            match api
                .iter_mut()
                .find(|(s, b, _)| *s == n.service && *b == base)
            {
                Some((_, _, members)) => members.push(n),
                None => api.push((&n.service, base, vec![n])),
            }
            continue;
        }
        match &n.cluster {
            Some(c) => {
                if !clusters.contains_key(c.as_str()) {
                    order.push(c);
                }
                clusters.entry(c).or_default().push(n);
            }
            None => {
                let _ = writeln!(s, "  {}", shape(n, &ids[n.id.as_str()]));
            }
        }
    }
    for (ci, c) in order.iter().enumerate() {
        let _ = writeln!(s, "  subgraph c{ci}[\"{}\"]", escape(c));
        for n in &clusters[c] {
            let _ = writeln!(s, "    {}", shape(n, &ids[n.id.as_str()]));
        }
        s.push_str("  end\n");
    }
    if !api.is_empty() {
        s.push_str("  subgraph api[\"Stores reached through the AWS API\"]\n");
        for (service, base, members) in &api {
            let id = &ids[members[0].id.as_str()];
            if let [one] = members.as_slice() {
                let _ = writeln!(s, "    {}", shape(one, id));
                continue;
            }
            let keys: Vec<&str> = members
                .iter()
                .map(|m| {
                    m.name[base.len()..]
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                })
                .collect();
            let mut l = format!(
                "{} ×{}<br/>{}<br/>[{}]",
                escape(service),
                members.len(),
                escape(base),
                escape(&keys.join(", "))
            );
            let rules: BTreeSet<&str> = members
                .iter()
                .flat_map(|m| m.rules.iter().map(String::as_str))
                .collect();
            if !rules.is_empty() {
                let _ = write!(
                    l,
                    "<br/>⚠ {}",
                    escape(&rules.into_iter().collect::<Vec<_>>().join(", "))
                );
            }
            let _ = writeln!(s, "    {id}[(\"{l}\")]");
        }
        s.push_str("  end\n");
    }
    // `linkStyle` counts links in the order they are written: the red ones are numbered among
    // the edges drawn, and the invisible layout links come after all of them.
    let mut red = Vec::new();
    let mut drawn_edges = 0;
    for e in &graph.edges {
        let (Some(f), Some(t)) = (ids.get(e.from.as_str()), ids.get(e.to.as_str())) else {
            continue;
        };
        let i = drawn_edges;
        drawn_edges += 1;
        let mut text = e.labels.join(", ");
        if !e.rules.is_empty() {
            let rules: Vec<&str> = e.rules.iter().map(String::as_str).collect();
            if !text.is_empty() {
                text.push_str("<br/>");
            }
            let _ = write!(text, "⚠ {}", rules.join(", "));
            red.push(i);
        }
        if text.is_empty() {
            let _ = writeln!(s, "  {f} --> {t}");
        } else {
            let _ = writeln!(
                s,
                "  {f} -->|\"{}\"| {t}",
                escape(&text).replace("#lt;br/#gt;", "<br/>")
            );
        }
    }
    if !api.is_empty() {
        // The stores in a grid: store i sits above store i + columns.
        let columns = grid_columns(api.len());
        for (i, (_, _, members)) in api.iter().enumerate().skip(columns) {
            let above = ids[api[i - columns].2[0].id.as_str()].as_str();
            let _ = writeln!(s, "  {above} ~~~ {}", ids[members[0].id.as_str()]);
        }
        // Top to bottom, the box goes below every node no edge leaves (the bottom of the
        // network part) rather than beside the internet; left to right the first column, where
        // the layout puts it, is already the narrow place.
        if direction == "TB" {
            let sources: BTreeSet<&str> = graph.edges.iter().map(|e| e.from.as_str()).collect();
            for n in &graph.nodes {
                if connected.contains(n.id.as_str()) && !sources.contains(n.id.as_str()) {
                    let _ = writeln!(s, "  {} ~~~ api", ids[n.id.as_str()]);
                }
            }
        }
    }
    for i in red {
        let _ = writeln!(
            s,
            "  linkStyle {i} stroke:#c62828,stroke-width:3px,color:#c62828"
        );
    }
    let mut by_class: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in &graph.nodes {
        let id = ids[n.id.as_str()].as_str();
        let drawn = api
            .iter()
            .all(|(_, _, ms)| ms.len() < 2 || ms[0].id == n.id || !ms.iter().any(|m| m.id == n.id));
        if drawn {
            by_class.entry(class(n)).or_default().push(id);
        }
    }
    for (c, ns) in by_class {
        let _ = writeln!(s, "  class {} {c}", ns.join(","));
    }
    s
}
