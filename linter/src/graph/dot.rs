//! The graph as Graphviz DOT: clusters for load balancers and composites, red edges labelled
//! with the rule ids they break.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Graph, Kind, Node, Reach};

/// Text safe inside a double-quoted DOT string.
pub fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn attrs(n: &Node) -> String {
    let mut label = escape(&n.service);
    if n.name != n.service {
        label.push_str("\\n");
        label.push_str(&escape(&n.name));
    }
    if !n.rules.is_empty() {
        let ids: Vec<&str> = n.rules.iter().map(String::as_str).collect();
        let _ = write!(label, "\\n! {}", escape(&ids.join(", ")));
    }
    let shape = match n.kind {
        Kind::Internet => "doublecircle",
        Kind::DataStore | Kind::ApiStore => "cylinder",
        Kind::LoadBalancer => "hexagon",
        Kind::Listener | Kind::TargetGroup => "oval",
        Kind::Cidr | Kind::SecurityGroup => "cds",
        Kind::Compute => "box",
    };
    let fill = match (n.kind, n.reach) {
        (Kind::Internet, _) => "#fde0dc",
        (_, _) if !n.rules.is_empty() => "#ffcdd2",
        (Kind::DataStore | Kind::ApiStore, Reach::No) => "#e3f2fd",
        (_, Reach::Direct) => "#ffe0b2",
        (_, Reach::Transitive) => "#fff9c4",
        _ => "#e8f5e9",
    };
    format!("label=\"{label}\", shape={shape}, style=filled, fillcolor=\"{fill}\"")
}

/// A DOT `digraph` of `graph`.
pub fn render(graph: &Graph) -> String {
    let mut s = String::from("digraph blueprint {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n");
    let mut clusters: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    let mut order = Vec::new();
    for n in &graph.nodes {
        match &n.cluster {
            Some(c) => {
                if !clusters.contains_key(c.as_str()) {
                    order.push(c.as_str());
                }
                clusters.entry(c).or_default().push(n);
            }
            None => {
                let _ = writeln!(s, "  \"{}\" [{}];", escape(&n.id), attrs(n));
            }
        }
    }
    for (i, c) in order.iter().enumerate() {
        let _ = writeln!(s, "  subgraph cluster_{i} {{\n    label=\"{}\";", escape(c));
        for n in &clusters[c] {
            let _ = writeln!(s, "    \"{}\" [{}];", escape(&n.id), attrs(n));
        }
        s.push_str("  }\n");
    }
    for e in &graph.edges {
        let mut label = e.labels.join(", ");
        let mut style = String::new();
        if !e.rules.is_empty() {
            let rules: Vec<&str> = e.rules.iter().map(String::as_str).collect();
            if !label.is_empty() {
                label.push_str("\\n");
            }
            let _ = write!(label, "! {}", rules.join(", "));
            style = ", color=\"#c62828\", fontcolor=\"#c62828\", penwidth=2".to_string();
        }
        let _ = writeln!(
            s,
            "  \"{}\" -> \"{}\" [label=\"{}\"{style}];",
            escape(&e.from),
            escape(&e.to),
            escape(&label).replace("\\\\n", "\\n")
        );
    }
    s.push_str("}\n");
    s
}
