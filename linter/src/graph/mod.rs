//! `blueprint-lint graph`: what a configuration builds, drawn from the same [`Model`] the rules
//! read. Nodes are the internet, private CIDRs, load balancers and their listeners, target
//! groups, compute and data stores (Blueprint composites as the resources they build); edges come
//! from security-group rules (CIDR → group, group → group, with ports) and from listeners and
//! target groups. Each node records whether the internet reaches it, directly or through other
//! nodes, and each edge the rules whose findings are written on it.
//!
//! - [`catalog`]: what each resource type is (a composite is drawn as the plain resources its
//!   expansion builds, [`crate::composite`]);
//! - [`members`]: which nodes each security group is attached to;
//! - [`exposure`]: the internet's reach into security groups through chains of rules (also
//!   used by the `data-store-internet-reachable` rule);
//! - [`build()`]: model to graph; [`reach`]: transitive reachability;
//! - [`mermaid`], [`dot`], [`json`]: the writers.

pub mod build;
pub mod catalog;
pub mod dot;
pub mod exposure;
pub mod json;
pub mod members;
pub mod mermaid;
pub mod reach;

use std::collections::BTreeSet;

pub use build::build;
pub use catalog::Kind;

use crate::finding::PathStep;

/// Whether the internet reaches a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// No path from the internet.
    #[default]
    No,
    /// An edge from the internet leads to it.
    Direct,
    /// Reached through other nodes.
    Transitive,
}

/// One node of the picture.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Node {
    /// Unique id: a resource address (a composite's plain resource's too), `internet` or
    /// `cidr 10.0.0.0/8`.
    pub id: String,
    /// What it is.
    pub kind: Kind,
    /// Service shown on it (`RDS`, `ECS service`, `Listener HTTPS 443`...).
    pub service: String,
    /// Name shown on it (usually the address).
    pub name: String,
    /// The resource it is drawn from, if any.
    pub address: Option<String>,
    /// The box it is drawn in: its load balancer or composite.
    pub cluster: Option<String>,
    /// Whether the internet reaches it.
    pub reach: Reach,
    /// Ids of the rules with findings on its resource.
    pub rules: BTreeSet<String>,
}

impl Node {
    /// A node with no address, cluster, reach or rules.
    pub fn new(id: &str, kind: Kind, service: &str, name: &str) -> Node {
        Node {
            id: id.to_string(),
            kind,
            service: service.to_string(),
            name: name.to_string(),
            address: None,
            cluster: None,
            reach: Reach::No,
            rules: BTreeSet::new(),
        }
    }
}

/// One edge: traffic that may flow from `from` to `to`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Edge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// Ports or actions (`443`, `all ports`, `forward`, `redirect`).
    pub labels: Vec<String>,
    /// Where it is written: resource address and attribute path.
    #[serde(serialize_with = "serialize_via")]
    pub via: Vec<(String, Vec<PathStep>)>,
    /// Ids of the rules with findings on it.
    pub rules: BTreeSet<String>,
}

fn serialize_via<S: serde::Serializer>(
    via: &[(String, Vec<PathStep>)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(via.iter().map(|(a, p)| {
        if p.is_empty() {
            a.clone()
        } else {
            format!("{a}.{}", crate::finding::path_to_string(p))
        }
    }))
}

/// The picture of one root module.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Graph {
    /// Nodes, in model order (the internet and CIDRs where first met).
    pub nodes: Vec<Node>,
    /// Edges, in the order found.
    pub edges: Vec<Edge>,
}

impl Graph {
    /// The node with id `id`.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

/// Output formats of `blueprint-lint graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum GraphFormat {
    /// Mermaid flowchart (renders on GitHub in a ```mermaid block).
    #[default]
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// JSON: `{nodes, edges}`.
    Json,
}

/// Renders `graph` in `format`.
pub fn render(graph: &Graph, format: GraphFormat) -> String {
    match format {
        GraphFormat::Mermaid => mermaid::render(graph),
        GraphFormat::Dot => dot::render(graph),
        GraphFormat::Json => json::render(graph),
    }
}

/// One graph per root module under `paths` (a `.json` path that is not `.tf.json` or
/// `.tfvars.json` is read as a plan), with the findings of every rule for `profile` on them,
/// and the files that could not be parsed.
pub fn from_paths(
    paths: &[std::path::PathBuf],
    load: &crate::frontend::hcl::LoadOptions,
    profile: crate::Profile,
) -> Result<(Vec<Graph>, Vec<crate::LoadError>), crate::Error> {
    let (plans, trees): (Vec<_>, Vec<_>) = paths.iter().cloned().partition(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name.ends_with(".json")
            && !name.ends_with(".tf.json")
            && !name.ends_with(".tfvars.json")
            && p.is_file()
    });
    let mut graphs = Vec::new();
    let mut errors = Vec::new();
    if !trees.is_empty() {
        let loaded = crate::frontend::hcl::load(&trees, load)?;
        for m in &loaded.roots {
            graphs.push(build(m, &crate::check_model(m, profile)));
        }
        errors = loaded.errors;
    }
    for plan in plans {
        let display = plan.display().to_string();
        let bytes =
            std::fs::read(&plan).map_err(|source| crate::frontend::plan::PlanError::Io {
                path: display.clone(),
                source,
            })?;
        let loaded = crate::frontend::plan::parse(&bytes, &display)?;
        graphs.push(build(
            &loaded.model,
            &crate::check_model(&loaded.model, profile),
        ));
    }
    Ok((graphs, errors))
}

/// What `blueprint-lint graph` prints: every graph of [`from_paths`] in `format` (several root
/// modules give one chart each, one after the other; JSON gives a list).
pub fn output(
    paths: &[std::path::PathBuf],
    load: &crate::frontend::hcl::LoadOptions,
    profile: crate::Profile,
    format: GraphFormat,
) -> Result<(String, Vec<crate::LoadError>), crate::Error> {
    let (graphs, errors) = from_paths(paths, load, profile)?;
    let out = match (format, graphs.as_slice()) {
        (GraphFormat::Json, [one]) => json::render(one),
        (GraphFormat::Json, many) => {
            let mut s = serde_json::to_string_pretty(many)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            s.push('\n');
            s
        }
        (f, many) => many
            .iter()
            .map(|g| render(g, f))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    Ok((out, errors))
}
