//! `blueprint-lint graph`: the picture built from the model (nodes, edges, reachability, rule
//! ids on edges), its Mermaid and DOT text, the CLI, and the committed pictures in
//! `docs/architecture/` (regenerated with `BLESS_ARCHITECTURE=1`).

use std::path::PathBuf;
use std::process::Command;

use blueprint_lint::frontend::hcl::{load_str, LoadOptions};
use blueprint_lint::graph::{self, GraphFormat, Kind, Reach};
use blueprint_lint::{check_model, Profile};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

const SEEDS: &[&str] = &[
    "seed-000-ml-api",
    "seed-001-senas",
    "seed-002-video-ec2-rds",
    "seed-003-eks-platform",
    "seed-004-ml-pipeline",
];

fn graph_of(dir: &str) -> graph::Graph {
    let (mut graphs, errors) =
        graph::from_paths(&[repo().join(dir)], &LoadOptions::default(), Profile::Dev)
            .expect("loads");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(graphs.len(), 1, "{dir}: one root module");
    graphs.remove(0)
}

fn edge<'g>(g: &'g graph::Graph, from: &str, to: &str) -> &'g graph::Edge {
    g.edges
        .iter()
        .find(|e| e.from == from && e.to == to)
        .unwrap_or_else(|| panic!("no edge {from} -> {to} in {:#?}", g.edges))
}

#[test]
fn chains_to_a_data_store_carry_the_rule_id() {
    let g = graph_of("terraform/lint-fixtures/data-store-internet-reachable/bad");
    // internet → proxy instance (5432) → database (5432): both edges of the chain are marked.
    let first = edge(&g, "internet", "aws_instance.proxy");
    assert_eq!(first.labels, ["5432"]);
    assert!(first.rules.contains("data-store-internet-reachable"));
    assert!(first.rules.contains("sg-db-port-open"));
    let second = edge(&g, "aws_instance.proxy", "aws_db_instance.orders");
    assert!(second.rules.contains("data-store-internet-reachable"));
    let db = g.node("aws_db_instance.orders").expect("db node");
    assert_eq!(db.kind, Kind::DataStore);
    assert_eq!(db.reach, Reach::Transitive);
    assert!(db.rules.contains("data-store-internet-reachable"));
    // The EFS file system is drawn through its mount target's group, behind the NLB.
    let efs = g.node("aws_efs_file_system.shared").expect("efs node");
    assert_eq!(efs.reach, Reach::Transitive);
    assert!(edge(&g, "aws_lb.files", "aws_efs_file_system.shared")
        .rules
        .contains("data-store-internet-reachable"));
    assert_eq!(
        g.node("aws_db_instance.reports").map(|n| n.reach),
        Some(Reach::Direct)
    );
}

#[test]
fn the_seeds_intended_chain_is_reachable_but_not_a_finding() {
    let g = graph_of("terraform/lint-fixtures/data-store-internet-reachable/good");
    let db = g.node("aws_db_instance.orders").expect("db node");
    assert_eq!(db.reach, Reach::Transitive, "internet → ALB → app → db");
    assert!(db.rules.is_empty());
    assert!(g.edges.iter().all(|e| e.rules.is_empty()), "{:#?}", g.edges);
    // A private CIDR is its own node, not the internet.
    assert!(g.node("cidr 10.0.0.0/16").is_some());
    assert_eq!(
        edge(&g, "cidr 10.0.0.0/16", "aws_db_instance.orders").labels,
        ["5432"]
    );
}

#[test]
fn an_unknown_port_or_source_is_never_reported() {
    let src = r#"
variable "port" {}
variable "cidr" {}
resource "aws_security_group" "db" {
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
resource "aws_db_instance" "a" {
  engine                 = "postgres"
  port                   = var.port
  vpc_security_group_ids = [aws_security_group.db.id]
}
"#;
    let model = load_str("main.tf", src);
    let findings = check_model(&model, Profile::Dev);
    assert!(
        !findings
            .iter()
            .any(|f| f.rule_id == "data-store-internet-reachable"),
        "{findings:#?}"
    );
    // With the port known, the same group is a finding.
    let known = load_str("main.tf", &src.replace("var.port", "5432"));
    let findings = check_model(&known, Profile::Dev);
    let hit: Vec<_> = findings
        .iter()
        .filter(|f| f.rule_id == "data-store-internet-reachable")
        .collect();
    assert_eq!(hit.len(), 1, "{findings:#?}");
    assert_eq!(hit[0].address, "aws_db_instance.a");
}

#[test]
fn load_balancers_lead_through_listeners_and_target_groups() {
    let g = graph_of("terraform/examples/seed-001-senas");
    let http = edge(&g, "internet", "aws_lb_listener.http");
    assert_eq!(http.labels, ["80"]);
    assert_eq!(
        edge(&g, "aws_lb_listener.http", "aws_lb_listener.https").labels,
        ["redirect"]
    );
    let svc = "module.service[\"content\"].aws_ecs_service.service";
    let tg = "module.service[\"content\"].aws_lb_target_group.service";
    assert_eq!(edge(&g, "aws_lb_listener.https", tg).labels, ["forward"]);
    assert_eq!(edge(&g, tg, svc).labels, ["8000"]);
    assert_eq!(g.node(svc).map(|n| n.reach), Some(Reach::Transitive));
    // The load balancer and its listeners share a box.
    for id in [
        "aws_lb.main",
        "aws_lb_listener.http",
        "aws_lb_listener.https",
    ] {
        assert_eq!(
            g.node(id).and_then(|n| n.cluster.as_deref()),
            Some("aws_lb.main")
        );
    }
    assert_eq!(
        g.node("aws_lb.main").map(|n| n.reach),
        Some(Reach::Transitive)
    );
    // Stores reached through the API only are drawn but never reached.
    let table = g
        .node("aws_dynamodb_table.locks")
        .expect("lock table drawn");
    assert_eq!((table.kind, table.reach), (Kind::ApiStore, Reach::No));
}

#[test]
fn composites_are_drawn_as_what_they_build() {
    let g = graph_of("terraform/lint-fixtures/sg-ssh-rdp-open/bad");
    // The composite's expansion: its instance, in the composite's box, behind its own group.
    let id = "blueprint_ml_host.api/aws_instance.instance";
    let host = g.node(id).expect("ml_host's instance drawn");
    assert_eq!(host.kind, Kind::Compute);
    assert_eq!(host.service, "EC2 (blueprint_ml_host)");
    assert_eq!(host.cluster.as_deref(), Some("blueprint_ml_host.api"));
    assert_eq!(host.address.as_deref(), Some("blueprint_ml_host.api"));
    let e = edge(&g, "internet", id);
    assert!(e.labels.contains(&"22".to_string()), "{:?}", e.labels);
    // The finding, reported on the composite's `ssh_cidr_blocks`, is on the edge it opens.
    assert!(e.rules.contains("sg-ssh-rdp-open"));
    assert!(host.rules.contains("sg-ssh-rdp-open"));
}

#[test]
fn mermaid_and_dot_text() {
    let g = graph_of("terraform/lint-fixtures/data-store-internet-reachable/bad");
    let m = graph::render(&g, GraphFormat::Mermaid);
    insta::assert_snapshot!("graph-data-store-bad-mermaid", m);
    let d = graph::render(&g, GraphFormat::Dot);
    assert!(d.starts_with("digraph blueprint {"), "{d}");
    assert!(d.trim_end().ends_with('}'));
    assert!(d.contains(
        "\"aws_instance.proxy\" -> \"aws_db_instance.orders\" [label=\"5432\\n! data-store-internet-reachable\", color=\"#c62828\""
    ), "{d}");
    assert!(d.contains("subgraph cluster_0 {"), "{d}");
}

#[test]
fn mermaid_escapes_labels() {
    let mut g = graph::Graph::default();
    g.nodes.push(graph::Node::new(
        "a",
        Kind::Compute,
        "EC2",
        "aws_instance.x[\"a#b<c>|d\"]",
    ));
    let m = graph::render(&g, GraphFormat::Mermaid);
    assert!(
        m.contains("n0[\"EC2<br/>aws_instance.x[#quot;a#35;b#lt;c#gt;#124;d#quot;]\"]"),
        "{m}"
    );
}

#[test]
fn cli_graph_json_of_a_seed() {
    let out = Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
        .args(["graph", "--format", "json"])
        .arg(repo().join("terraform/examples/seed-002-video-ec2-rds"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let nodes = json["nodes"].as_array().expect("nodes");
    let rds = nodes
        .iter()
        .find(|n| n["id"] == "aws_db_instance.postgres")
        .expect("rds node");
    assert_eq!(rds["kind"], "data_store");
    assert_eq!(rds["reach"], "transitive");
    let edges = json["edges"].as_array().expect("edges");
    let ssh = edges
        .iter()
        .find(|e| e["from"] == "internet" && e["to"] == "aws_instance.server[\"web\"]")
        .expect("internet edge");
    assert_eq!(ssh["labels"], serde_json::json!(["22", "80", "443"]));
    assert_eq!(ssh["rules"], serde_json::json!(["sg-ssh-rdp-open"]));
    // A plan draws the same nodes as the configuration it was made from.
    let plan = repo().join("terraform/plan-fixtures/data-store-internet-reachable/fires.json");
    if plan.is_file() {
        let out = Command::new(env!("CARGO_BIN_EXE_blueprint-lint"))
            .args(["graph", "--format", "json"])
            .arg(&plan)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let mut from_plan: Vec<String> = json["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().unwrap_or("").to_string())
            .collect();
        let hcl = graph_of("terraform/lint-fixtures/data-store-internet-reachable/bad");
        let mut from_hcl: Vec<String> = hcl.nodes.iter().map(|n| n.id.clone()).collect();
        from_plan.sort();
        from_hcl.sort();
        assert_eq!(from_plan, from_hcl);
    }
}

/// The Mermaid blocks of `docs/architecture/<seed>.md` are what the command prints today.
#[test]
fn architecture_docs_are_current() {
    for seed in SEEDS {
        let g = graph_of(&format!("terraform/examples/{seed}"));
        let mermaid = graph::render(&g, GraphFormat::Mermaid);
        let page = repo().join(format!("docs/architecture/{seed}.md"));
        let text = architecture_page(seed, &mermaid);
        if std::env::var_os("BLESS_ARCHITECTURE").is_some() {
            std::fs::create_dir_all(page.parent().expect("dir")).expect("mkdir");
            std::fs::write(&page, &text).expect("writes");
        }
        let committed = std::fs::read_to_string(&page).unwrap_or_default();
        assert_eq!(
            committed,
            text,
            "{} is stale: BLESS_ARCHITECTURE=1 cargo test -p blueprint-lint --test graph",
            page.display()
        );
    }
}

fn architecture_page(seed: &str, mermaid: &str) -> String {
    format!(
        "<!-- Generated by `BLESS_ARCHITECTURE=1 cargo test -p blueprint-lint --test graph` from \
         `blueprint-lint graph terraform/examples/{seed}`: do not edit. -->\n\n\
         # `{seed}`\n\n\
         What `terraform/examples/{seed}` builds, as `blueprint-lint graph` draws it. Red nodes \
         and edges carry the ids of the rules they break; orange: reached from the internet \
         directly; yellow: reached through other nodes; blue: stores no network path reaches.\n\n\
         ![{seed} rendered by Chromium](img/{seed}.png)\n\n\
         ```mermaid\n{mermaid}```\n"
    )
}

#[test]
fn api_gateways_and_events_are_edges() {
    let g = graph_of("terraform/examples/seed-004-ml-pipeline");
    assert_eq!(
        edge(&g, "internet", "aws_apigatewayv2_api.api").labels,
        ["HTTPS 443"]
    );
    assert_eq!(
        edge(&g, "aws_apigatewayv2_api.api", "aws_lb_listener.api").labels,
        ["VPC link"]
    );
    // The internal ALB is reached through the API's VPC link, not from the internet directly.
    assert_eq!(
        g.node("aws_lb_listener.api").map(|n| n.reach),
        Some(Reach::Transitive)
    );
    assert_eq!(
        g.node("aws_ecs_service.api").map(|n| n.reach),
        Some(Reach::Transitive)
    );
    assert_eq!(
        edge(
            &g,
            "aws_s3_bucket.data[\"raw\"]",
            "aws_lambda_function.etl[\"preprocess\"]"
        )
        .labels,
        ["event"]
    );
}

/// The seed documents live beside the repository (`shared/seeds/`), not in it: the first found
/// of `BLUEPRINT_SEEDS_DIR`, `../shared/seeds` and `../../shared/seeds` from the repository.
fn seed_document(prefix: &str) -> Option<String> {
    let dirs: Vec<PathBuf> = std::env::var_os("BLUEPRINT_SEEDS_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            repo().join("../shared/seeds"),
            repo().join("../../shared/seeds"),
        ])
        .collect();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with(prefix) && name.ends_with(".txt") {
                return std::fs::read_to_string(e.path()).ok();
            }
        }
    }
    None
}

/// The edges `FROM -->|LABEL| TO` of every Mermaid block of a document, as (from, to, label).
fn mermaid_edges(doc: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        let t = line.trim();
        if t.starts_with("```mermaid") {
            inside = true;
            continue;
        }
        if t.starts_with("```") {
            inside = false;
            continue;
        }
        if !inside {
            continue;
        }
        let Some((from, rest)) = t.split_once("-->|") else {
            continue;
        };
        let Some((label, to)) = rest.split_once('|') else {
            continue;
        };
        out.push((
            from.trim().to_string(),
            to.trim().to_string(),
            label.trim().to_string(),
        ));
    }
    out
}

/// Seed 002's topology as its document draws it (client → web over HTTP/HTTPS; web and worker
/// → file server on NFS 2049 and Redis 6379 and → PostgreSQL on 5432), read from the document's
/// Mermaid diagrams, is exactly the edge set `blueprint-lint graph` draws for
/// `terraform/examples/video-ec2`, ports on the edges.
#[test]
fn the_seed_002_example_draws_the_seeds_own_topology() {
    // The repository's copy of the seed's diagrams; the seed document itself, when it is
    // beside the repository, must still give the same edges.
    let doc = include_str!("fixtures/seed-002-diagrams.md");
    // The document's node names, for the security groups and the instances alike.
    let role = |node: &str| -> Option<&'static str> {
        Some(match node.split('[').next().unwrap_or(node) {
            "CLIENT" => "client",
            "WEB" | "WEB_SG" => "web",
            "WORKER" | "WORKER_SG" => "worker",
            "FILE" | "FILE_SG" => "files",
            "RDS" | "RDS_SG" => "database",
            _ => return None,
        })
    };
    // A network label names protocols, each with its port or not (`NFS 2049`, `HTTP/HTTPS`):
    // its ports. Any other label (the data-flow diagram's `2. Guardar en NFS`) is not a
    // network edge: `None`.
    let ports = |label: &str| -> Option<Vec<String>> {
        let known = [
            ("HTTPS", "443"),
            ("HTTP", "80"),
            ("NFS", "2049"),
            ("Redis", "6379"),
            ("PostgreSQL", "5432"),
        ];
        let mut out = Vec::new();
        for part in label.split('/') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let (_, default) = known.iter().find(|(n, _)| Some(n) == words.first())?;
            match words.as_slice() {
                [_] => out.push(default.to_string()),
                [_, port] if port.parse::<u16>().is_ok() => out.push(port.to_string()),
                _ => return None,
            }
        }
        Some(out)
    };
    let network_edges = |doc: &str| {
        let mut out = std::collections::BTreeSet::new();
        for (from, to, label) in mermaid_edges(doc) {
            let (Some(f), Some(t)) = (role(&from), role(&to)) else {
                continue;
            };
            for p in ports(&label).unwrap_or_default() {
                out.insert((f.to_string(), t.to_string(), p));
            }
        }
        out
    };
    let want = network_edges(doc);
    if let Some(original) = seed_document("002_") {
        assert_eq!(
            network_edges(&original),
            want,
            "linter/tests/fixtures/seed-002-diagrams.md no longer matches the seed document"
        );
    }
    assert!(
        want.len() >= 8,
        "the seed's diagrams should give client → web and the six connections: {want:?}"
    );
    let g = graph_of("terraform/examples/video-ec2");
    let name = |id: &str| -> String {
        if id == "internet" {
            return "client".into();
        }
        if id.contains("aws_db_instance") {
            return "database".into();
        }
        id.rsplit("instance_").next().unwrap_or(id).to_string()
    };
    let mut have = std::collections::BTreeSet::new();
    for e in &g.edges {
        for p in &e.labels {
            have.insert((name(&e.from), name(&e.to), p.clone()));
        }
    }
    assert_eq!(have, want);
}

/// Seed 001 on Blueprint: each service's `uses` is an edge to the store of
/// `blueprint_data_stores` it names, labelled with the access, written on `uses[i]`.
#[test]
fn services_point_at_the_stores_they_use_with_the_access() {
    let g = graph_of("terraform/examples/senas-platform");
    let users = "blueprint_secure_service.svc[\"users\"]/aws_ecs_service.service";
    let progress = "blueprint_data_stores.data/aws_dynamodb_table.table_UserProgress";
    let e = edge(&g, users, progress);
    assert_eq!(e.labels, ["read_write"]);
    let via: Vec<String> = e
        .via
        .iter()
        .map(|(a, p)| format!("{a}.{}", blueprint_lint::finding::path_to_string(p)))
        .collect();
    assert_eq!(via, ["blueprint_secure_service.svc[\"users\"].uses[1]"]);
    let topic = "blueprint_data_stores.data/aws_sns_topic.topic_achievement-notifs";
    assert_eq!(edge(&g, users, topic).labels, ["publish"]);
    let content = "blueprint_secure_service.svc[\"content\"]/aws_ecs_service.service";
    let uploads = "blueprint_data_stores.data/aws_s3_bucket.bucket_user-uploads";
    assert_eq!(edge(&g, content, uploads).labels, ["write uploads/"]);
    let ml = "blueprint_secure_service.svc[\"ml\"]/aws_ecs_service.service";
    let queue = "blueprint_data_stores.data/aws_sqs_queue.queue_video-processing";
    assert_eq!(edge(&g, content, queue).labels, ["send"]);
    assert_eq!(edge(&g, ml, queue).labels, ["consume"]);
    let node = g.node(progress).expect("table node");
    assert_eq!(node.kind, Kind::ApiStore);
    // No service uses a store it did not declare: users never reach the ML queue.
    let inference = "blueprint_data_stores.data/aws_sqs_queue.queue_ml-inference";
    assert!(!g.edges.iter().any(|e| e.from == users && e.to == inference));
}
