//! A data pipeline as a data flow: buckets, and stages that read, write and are triggered by
//! objects in them. Everything the composite derives comes from these edges alone: the names
//! of the children, each stage's least-privilege policy, and the plan-time checks (undeclared
//! buckets, trigger cycles, overlapping triggers).

use std::collections::{BTreeMap, BTreeSet};

use crate::types::iam::{Statement, StatementError};
use crate::value::{self, Generic, Path, Step};

/// The inline policy every stage role carries (the only one).
pub const POLICY_NAME: &str = "blueprint-data-flow";
/// The `Id` of a stage's notification configuration on its trigger bucket: this prefix and the
/// stage name.
pub const NOTIFICATION_ID_PREFIX: &str = "blueprint-";
/// The statement id of the permission letting S3 invoke a stage's function.
pub const PERMISSION_SID: &str = "blueprint-s3-trigger";

/// A bucket of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Its suffix: the bucket is `NAME-SUFFIX`, and stages refer to it by the suffix.
    pub suffix: String,
    /// Move current objects to GLACIER after this many days.
    pub glacier_after_days: Option<i64>,
    /// Expire noncurrent versions after this many days.
    pub noncurrent_expiration_days: Option<i64>,
}

/// An edge: the objects of `bucket` (a suffix) under `prefix`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// The bucket's suffix.
    pub bucket: String,
    /// The key prefix (`""`: the whole bucket).
    pub prefix: String,
}

/// What invokes a stage: an object created in `bucket` under `prefix` ending in `suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// The bucket's suffix.
    pub bucket: String,
    /// Key prefix filter (`""`: none).
    pub prefix: String,
    /// Key suffix filter (`""`: none).
    pub suffix: String,
}

impl Trigger {
    /// Whether an object written under `prefix` of the same bucket can fire this trigger.
    pub fn fired_by(&self, bucket: &str, prefix: &str) -> bool {
        self.bucket == bucket && prefixes_meet(&self.prefix, prefix)
    }

    /// Whether one object can fire both triggers (S3 refuses such a configuration).
    pub fn overlaps(&self, other: &Trigger) -> bool {
        self.bucket == other.bucket
            && prefixes_meet(&self.prefix, &other.prefix)
            && suffixes_meet(&self.suffix, &other.suffix)
    }
}

/// Whether some key starts with both prefixes.
fn prefixes_meet(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Whether some key ends with both suffixes.
fn suffixes_meet(a: &str, b: &str) -> bool {
    a.ends_with(b) || b.ends_with(a)
}

/// A stage: one function and its edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Its name: the function, role and queue are `NAME-STAGE...`.
    pub name: String,
    /// What it reads.
    pub reads: Vec<Edge>,
    /// What it writes.
    pub writes: Vec<Edge>,
    /// What invokes it.
    pub trigger: Option<Trigger>,
}

/// The whole flow, as far as the configuration is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flow {
    /// The pipeline's name (prefix of every child's name).
    pub name: String,
    /// Its buckets, in configuration order.
    pub buckets: Vec<Bucket>,
    /// Its stages, in configuration order.
    pub stages: Vec<Stage>,
}

/// Where the children live, for their ARNs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `aws`, `aws-cn`...
    pub partition: String,
    /// The region.
    pub region: String,
    /// The account id.
    pub account: String,
}

/// The names every child gets, from the pipeline's name.
pub mod names {
    /// Bucket `NAME-SUFFIX`.
    pub fn bucket(name: &str, suffix: &str) -> String {
        format!("{name}-{suffix}")
    }
    /// Function (and role) `NAME-STAGE`.
    pub fn function(name: &str, stage: &str) -> String {
        format!("{name}-{stage}")
    }
    /// Role `NAME-STAGE`.
    pub fn role(name: &str, stage: &str) -> String {
        function(name, stage)
    }
    /// Dead-letter queue `NAME-STAGE-dlq`.
    pub fn queue(name: &str, stage: &str) -> String {
        format!("{name}-{stage}-dlq")
    }
    /// Log group `/aws/lambda/NAME-STAGE` (where Lambda writes the function's logs).
    pub fn log_group(name: &str, stage: &str) -> String {
        format!("/aws/lambda/{}", function(name, stage))
    }
    /// The notification configuration id of stage `stage`.
    pub fn notification_id(stage: &str) -> String {
        format!("{}{stage}", super::NOTIFICATION_ID_PREFIX)
    }
}

impl Scope {
    /// ARN of bucket `bucket` (its full name).
    pub fn bucket_arn(&self, bucket: &str) -> String {
        format!("arn:{}:s3:::{bucket}", self.partition)
    }
    /// ARN of function `function`.
    pub fn function_arn(&self, function: &str) -> String {
        format!(
            "arn:{}:lambda:{}:{}:function:{function}",
            self.partition, self.region, self.account
        )
    }
    /// ARN of role `role`.
    pub fn role_arn(&self, role: &str) -> String {
        format!("arn:{}:iam::{}:role/{role}", self.partition, self.account)
    }
    /// ARN of queue `queue`.
    pub fn queue_arn(&self, queue: &str) -> String {
        format!(
            "arn:{}:sqs:{}:{}:{queue}",
            self.partition, self.region, self.account
        )
    }
    /// ARN of log group `group` (without the `:*` CloudWatch Logs appends).
    pub fn log_group_arn(&self, group: &str) -> String {
        format!(
            "arn:{}:logs:{}:{}:log-group:{group}",
            self.partition, self.region, self.account
        )
    }
}

/// One statement of a derived policy: actions on resources, with an optional `s3:prefix`
/// condition (for `s3:ListBucket`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Statement id.
    pub sid: String,
    /// Actions.
    pub actions: Vec<&'static str>,
    /// Resource ARNs.
    pub resources: Vec<String>,
    /// `StringLike` values of `s3:prefix`, when listing is limited to prefixes.
    pub list_prefixes: Vec<String>,
}

impl Grant {
    /// The statement as a value of the project's IAM type (refusing any wildcard beyond one
    /// named resource).
    pub fn statement(&self) -> Result<Statement, Vec<StatementError>> {
        Statement::parse(&self.actions, &self.resources)
            .map_err(|errs| errs.into_iter().map(|(_, _, e)| e).collect())
    }

    fn json(&self) -> serde_json::Value {
        let mut s = serde_json::json!({
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": self.actions,
            "Resource": self.resources,
        });
        if !self.list_prefixes.is_empty() {
            s["Condition"] = serde_json::json!({"StringLike": {"s3:prefix": self.list_prefixes}});
        }
        s
    }
}

/// The objects under `prefix` of `bucket`, as an ARN.
fn objects_arn(scope: &Scope, bucket: &str, prefix: &str) -> String {
    format!("{}/{prefix}*", scope.bucket_arn(bucket))
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

impl Flow {
    /// The stage named `name`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// Whether bucket suffix `suffix` is declared.
    pub fn has_bucket(&self, suffix: &str) -> bool {
        self.buckets.iter().any(|b| b.suffix == suffix)
    }

    /// The statements of `stage`'s role, from its edges alone: `s3:GetObject` on what it reads,
    /// `s3:ListBucket` on each bucket it reads limited to the read prefixes, `s3:PutObject` on
    /// what it writes, its own log group's streams, and `sqs:SendMessage` on its own dead-letter
    /// queue. A stage without reads or writes gets no S3 permission.
    pub fn grants(&self, scope: &Scope, stage: &Stage) -> Vec<Grant> {
        let mut out = Vec::new();
        let group = scope.log_group_arn(&names::log_group(&self.name, &stage.name));
        out.push(Grant {
            sid: "Logs".into(),
            actions: vec!["logs:CreateLogStream", "logs:PutLogEvents"],
            resources: vec![format!("{group}:*"), format!("{group}:log-stream:*")],
            list_prefixes: Vec::new(),
        });
        let mut reads: Vec<String> = stage
            .reads
            .iter()
            .map(|e| objects_arn(scope, &names::bucket(&self.name, &e.bucket), &e.prefix))
            .collect();
        dedup(&mut reads);
        if !reads.is_empty() {
            out.push(Grant {
                sid: "ReadObjects".into(),
                actions: vec!["s3:GetObject"],
                resources: reads,
                list_prefixes: Vec::new(),
            });
        }
        let mut listed: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for e in &stage.reads {
            listed
                .entry(e.bucket.as_str())
                .or_default()
                .push(format!("{}*", e.prefix));
        }
        for (i, (bucket, mut prefixes)) in listed.into_iter().enumerate() {
            dedup(&mut prefixes);
            // A read of the whole bucket lists it whole: no condition.
            if prefixes.iter().any(|p| p == "*") {
                prefixes.clear();
            }
            out.push(Grant {
                sid: format!("List{i}"),
                actions: vec!["s3:ListBucket"],
                resources: vec![scope.bucket_arn(&names::bucket(&self.name, bucket))],
                list_prefixes: prefixes,
            });
        }
        let mut writes: Vec<String> = stage
            .writes
            .iter()
            .map(|e| objects_arn(scope, &names::bucket(&self.name, &e.bucket), &e.prefix))
            .collect();
        dedup(&mut writes);
        if !writes.is_empty() {
            out.push(Grant {
                sid: "WriteObjects".into(),
                actions: vec!["s3:PutObject"],
                resources: writes,
                list_prefixes: Vec::new(),
            });
        }
        out.push(Grant {
            sid: "DeadLetters".into(),
            actions: vec!["sqs:SendMessage"],
            resources: vec![scope.queue_arn(&names::queue(&self.name, &stage.name))],
            list_prefixes: Vec::new(),
        });
        out
    }

    /// `stage`'s policy document (compact JSON, keys sorted).
    pub fn policy_document(&self, scope: &Scope, stage: &Stage) -> String {
        let statements: Vec<serde_json::Value> =
            self.grants(scope, stage).iter().map(Grant::json).collect();
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }

    /// The stages whose trigger an object written by `stage` can fire.
    fn fires<'a>(&'a self, stage: &'a Stage) -> impl Iterator<Item = usize> + 'a {
        self.stages.iter().enumerate().filter_map(move |(j, t)| {
            let trig = t.trigger.as_ref()?;
            stage
                .writes
                .iter()
                .any(|w| trig.fired_by(&w.bucket, &w.prefix))
                .then_some(j)
        })
    }

    /// A cycle of triggers through stage `i`, as stage indexes from `i` back to `i`.
    pub fn cycle_through(&self, i: usize) -> Option<Vec<usize>> {
        // Breadth-first from i's successors, remembering parents, until i is reached again.
        let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
        for j in self.fires(&self.stages[i]) {
            if let std::collections::btree_map::Entry::Vacant(e) = parent.entry(j) {
                e.insert(i);
                queue.push_back(j);
            }
        }
        while let Some(k) = queue.pop_front() {
            if k == i {
                let mut path = vec![i];
                let mut at = parent[&i];
                while at != i {
                    path.push(at);
                    at = parent[&at];
                }
                path.push(i);
                path.reverse();
                return Some(path);
            }
            for j in self.fires(&self.stages[k]) {
                if let std::collections::btree_map::Entry::Vacant(e) = parent.entry(j) {
                    e.insert(k);
                    queue.push_back(j);
                }
            }
        }
        None
    }
}

/// A problem with the flow, on an attribute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowProblem {
    /// Where.
    pub path: Path,
    /// One line.
    pub summary: String,
    /// What is wrong and what to do.
    pub detail: String,
}

fn stage_path(i: usize) -> Path {
    Path::attr("stage").then(Step::Index(i))
}

/// The edge at `stage[i].field[j]` (or `stage[i].trigger` when `j` is `None`).
fn edge_path(i: usize, field: &str, j: Option<usize>) -> Path {
    let p = stage_path(i).then(Step::Attr(field.to_string()));
    match j {
        Some(j) => p.then(Step::Index(j)),
        None => p,
    }
}

/// What is wrong with the flow as a whole: duplicate names, edges to undeclared buckets, trigger
/// cycles and overlapping triggers. Parts of the configuration not yet known are skipped.
pub fn problems(flow: &Flow, known: &Known) -> Vec<FlowProblem> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, b) in flow.buckets.iter().enumerate() {
        if !seen.insert(b.suffix.as_str()) {
            out.push(FlowProblem {
                path: Path::attr("bucket")
                    .then(Step::Index(i))
                    .then(Step::Attr("suffix".into())),
                summary: "Duplicate bucket".into(),
                detail: format!("bucket \"{}\" is declared twice.", b.suffix),
            });
        }
    }
    let mut seen = BTreeSet::new();
    for (i, s) in flow.stages.iter().enumerate() {
        if !seen.insert(s.name.as_str()) {
            out.push(FlowProblem {
                path: stage_path(i).then(Step::Attr("name".into())),
                summary: "Duplicate stage".into(),
                detail: format!("stage \"{}\" is declared twice.", s.name),
            });
        }
    }
    if !known.buckets {
        return out;
    }
    let declared: Vec<&str> = flow.buckets.iter().map(|b| b.suffix.as_str()).collect();
    let undeclared = |bucket: &str, path: Path, what: &str| FlowProblem {
        path,
        summary: "Undeclared bucket".into(),
        detail: format!(
            "{what} bucket \"{bucket}\", which is not one of this pipeline's buckets ({}). \
             Declare it in a `bucket` block (suffix = \"{bucket}\"): a stage only reaches the \
             pipeline's own buckets.",
            declared
                .iter()
                .map(|d| format!("\"{d}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    for (i, s) in flow.stages.iter().enumerate() {
        let prefixes = [("reads", &s.reads), ("writes", &s.writes)]
            .into_iter()
            .flat_map(|(field, edges)| {
                edges
                    .iter()
                    .enumerate()
                    .map(move |(j, e)| (edge_path(i, field, Some(j)), &e.prefix))
            })
            .chain(
                s.trigger
                    .iter()
                    .map(|t| (edge_path(i, "trigger", None), &t.prefix)),
            );
        for (path, p) in prefixes {
            if let Err(detail) = super::prefix_problem(p) {
                out.push(FlowProblem {
                    path: path.then(Step::Attr("prefix".into())),
                    summary: "Invalid prefix".into(),
                    detail,
                });
            }
        }
    }
    for (i, s) in flow.stages.iter().enumerate() {
        for (field, edges, what) in [
            ("reads", &s.reads, "reads"),
            ("writes", &s.writes, "writes"),
        ] {
            for (j, e) in edges.iter().enumerate() {
                if !flow.has_bucket(&e.bucket) {
                    out.push(undeclared(
                        &e.bucket,
                        edge_path(i, field, Some(j)).then(Step::Attr("bucket".into())),
                        &format!("stage \"{}\" {what}", s.name),
                    ));
                }
            }
        }
        if let Some(t) = &s.trigger {
            if !flow.has_bucket(&t.bucket) {
                out.push(undeclared(
                    &t.bucket,
                    edge_path(i, "trigger", None).then(Step::Attr("bucket".into())),
                    &format!("stage \"{}\" is triggered by", s.name),
                ));
            }
        }
    }
    if !known.edges {
        return out;
    }
    for (i, s) in flow.stages.iter().enumerate() {
        if s.trigger.is_none() {
            continue;
        }
        if let Some(cycle) = flow.cycle_through(i) {
            let names: Vec<&str> = cycle
                .iter()
                .map(|&k| flow.stages[k].name.as_str())
                .collect();
            out.push(FlowProblem {
                path: edge_path(i, "trigger", None),
                summary: "Trigger cycle".into(),
                detail: format!(
                    "stage \"{}\" is triggered by objects that it writes itself, through {}: \
                     every invocation would invoke the next one, without end (and bill each). \
                     Write into a bucket or prefix that does not trigger it.",
                    s.name,
                    names.join(" -> ")
                ),
            });
        }
        for (j, other) in flow.stages.iter().enumerate().take(i) {
            let (Some(a), Some(b)) = (&s.trigger, &other.trigger) else {
                continue;
            };
            if a.overlaps(b) {
                out.push(FlowProblem {
                    path: edge_path(i, "trigger", None),
                    summary: "Overlapping triggers".into(),
                    detail: format!(
                        "the trigger of stage \"{}\" (bucket \"{}\", prefix \"{}\", suffix \"{}\") \
                         overlaps the trigger of stage \"{}\" (prefix \"{}\", suffix \"{}\"): one \
                         object would fire both, which S3 refuses. Make the prefixes or the \
                         suffixes disjoint.",
                        s.name, a.bucket, a.prefix, a.suffix, other.name, b.prefix, b.suffix
                    ),
                });
                let _ = j;
            }
        }
    }
    out
}

/// Which parts of the configuration were fully known when the flow was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Known {
    /// Every bucket suffix is known.
    pub buckets: bool,
    /// Every stage's name, edges and trigger are known.
    pub edges: bool,
}

fn text(v: Option<&Generic>) -> Option<String> {
    let v = v?;
    if value::is_unknown(v) {
        return None;
    }
    v.as_str().map(str::to_string)
}

fn number(v: Option<&Generic>) -> Option<i64> {
    v.and_then(|v| v.as_i64())
}

fn items(v: Option<&Generic>) -> (Vec<&Generic>, bool) {
    match v {
        Some(Generic::Array(items)) => (items.iter().collect(), true),
        Some(v) if value::is_unknown(v) => (Vec::new(), false),
        _ => (Vec::new(), true),
    }
}

fn edges(v: Option<&Generic>, known: &mut bool) -> Vec<Edge> {
    let (list, k) = items(v);
    *known &= k;
    let mut out = Vec::new();
    for e in list {
        match (
            text(value::field(e, "bucket")),
            text(value::field(e, "prefix")),
        ) {
            (Some(bucket), Some(prefix)) => out.push(Edge { bucket, prefix }),
            _ => *known = false,
        }
    }
    out
}

/// The flow of a configuration (in Terraform's encoding), and which parts of it are known.
pub fn from_config(config: &Generic) -> (Flow, Known) {
    let mut known = Known {
        buckets: true,
        edges: true,
    };
    let mut flow = Flow {
        name: text(value::field(config, "name")).unwrap_or_default(),
        ..Flow::default()
    };
    let (buckets, k) = items(value::field(config, "bucket"));
    known.buckets &= k;
    for b in buckets {
        match text(value::field(b, "suffix")) {
            Some(suffix) => flow.buckets.push(Bucket {
                suffix,
                glacier_after_days: number(value::field(b, "glacier_transition_days")),
                noncurrent_expiration_days: number(value::field(
                    b,
                    "noncurrent_version_expiration_days",
                )),
            }),
            None => known.buckets = false,
        }
    }
    let (stages, k) = items(value::field(config, "stage"));
    known.edges &= k;
    for s in stages {
        let Some(name) = text(value::field(s, "name")) else {
            known.edges = false;
            continue;
        };
        let reads = edges(value::field(s, "reads"), &mut known.edges);
        let writes = edges(value::field(s, "writes"), &mut known.edges);
        let trigger = match value::field(s, "trigger") {
            None | Some(Generic::Nil) => None,
            Some(t) => match (
                text(value::field(t, "bucket")),
                text(value::field(t, "prefix")),
                text(value::field(t, "suffix")),
            ) {
                (Some(bucket), Some(prefix), Some(suffix)) => Some(Trigger {
                    bucket,
                    prefix,
                    suffix,
                }),
                _ => {
                    known.edges = false;
                    None
                }
            },
        };
        flow.stages.push(Stage {
            name,
            reads,
            writes,
            trigger,
        });
    }
    (flow, known)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(bucket: &str, prefix: &str) -> Edge {
        Edge {
            bucket: bucket.into(),
            prefix: prefix.into(),
        }
    }

    fn trigger(bucket: &str, prefix: &str, suffix: &str) -> Option<Trigger> {
        Some(Trigger {
            bucket: bucket.into(),
            prefix: prefix.into(),
            suffix: suffix.into(),
        })
    }

    fn bucket(suffix: &str) -> Bucket {
        Bucket {
            suffix: suffix.into(),
            glacier_after_days: None,
            noncurrent_expiration_days: None,
        }
    }

    fn scope() -> Scope {
        Scope {
            partition: "aws".into(),
            region: "us-east-2".into(),
            account: "123456789012".into(),
        }
    }

    /// Seed 004: raw -> preprocess -> clean -> features -> clean/features.
    fn seed() -> Flow {
        Flow {
            name: "ml".into(),
            buckets: vec![bucket("raw"), bucket("clean"), bucket("models")],
            stages: vec![
                Stage {
                    name: "preprocess".into(),
                    reads: vec![edge("raw", "incoming/")],
                    writes: vec![edge("clean", "clean/")],
                    trigger: trigger("raw", "incoming/", ".csv"),
                },
                Stage {
                    name: "features".into(),
                    reads: vec![edge("clean", "clean/")],
                    writes: vec![edge("clean", "features/")],
                    trigger: trigger("clean", "clean/", ""),
                },
                Stage {
                    name: "noop".into(),
                    reads: vec![],
                    writes: vec![],
                    trigger: None,
                },
            ],
        }
    }

    fn all_known() -> Known {
        Known {
            buckets: true,
            edges: true,
        }
    }

    #[test]
    fn each_stage_gets_exactly_its_edges() {
        let f = seed();
        let doc: serde_json::Value =
            serde_json::from_str(&f.policy_document(&scope(), &f.stages[0])).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "Logs", "Effect": "Allow",
                     "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                     "Resource": [
                        "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/ml-preprocess:*",
                        "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/ml-preprocess:log-stream:*"]},
                    {"Sid": "ReadObjects", "Effect": "Allow", "Action": ["s3:GetObject"],
                     "Resource": ["arn:aws:s3:::ml-raw/incoming/*"]},
                    {"Sid": "List0", "Effect": "Allow", "Action": ["s3:ListBucket"],
                     "Resource": ["arn:aws:s3:::ml-raw"],
                     "Condition": {"StringLike": {"s3:prefix": ["incoming/*"]}}},
                    {"Sid": "WriteObjects", "Effect": "Allow", "Action": ["s3:PutObject"],
                     "Resource": ["arn:aws:s3:::ml-clean/clean/*"]},
                    {"Sid": "DeadLetters", "Effect": "Allow", "Action": ["sqs:SendMessage"],
                     "Resource": ["arn:aws:sqs:us-east-2:123456789012:ml-preprocess-dlq"]},
                ]
            })
        );
    }

    #[test]
    fn no_generated_statement_has_a_wildcard_and_no_edges_means_no_s3() {
        let f = seed();
        for s in &f.stages {
            for g in f.grants(&scope(), s) {
                let st = g.statement().unwrap_or_else(|e| panic!("{}: {e:?}", g.sid));
                assert!(!st.actions.is_empty());
                for a in &g.actions {
                    assert!(!a.contains('*'), "{a}");
                }
            }
        }
        let noop = f.grants(&scope(), &f.stages[2]);
        assert!(
            noop.iter()
                .all(|g| g.actions.iter().all(|a| !a.starts_with("s3:"))),
            "{noop:?}"
        );
        assert_eq!(
            noop.iter().map(|g| g.sid.as_str()).collect::<Vec<_>>(),
            ["Logs", "DeadLetters"]
        );
    }

    #[test]
    fn reading_a_whole_bucket_lists_it_without_condition() {
        let mut f = seed();
        f.stages[0].reads = vec![edge("raw", ""), edge("raw", "x/")];
        let grants = f.grants(&scope(), &f.stages[0]);
        let list = grants.iter().find(|g| g.sid == "List0").unwrap();
        assert!(list.list_prefixes.is_empty());
        let read = grants.iter().find(|g| g.sid == "ReadObjects").unwrap();
        assert_eq!(
            read.resources,
            ["arn:aws:s3:::ml-raw/*", "arn:aws:s3:::ml-raw/x/*"]
        );
    }

    #[test]
    fn the_seed_flow_has_no_problem() {
        assert_eq!(problems(&seed(), &all_known()), []);
    }

    #[test]
    fn a_stage_writing_into_its_own_trigger_is_a_cycle() {
        let mut f = seed();
        f.stages[0].writes.push(edge("raw", "incoming/batch/"));
        let p = problems(&f, &all_known());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path.to_string(), "stage[0].trigger");
        assert!(
            p[0].detail.contains("preprocess -> preprocess"),
            "{}",
            p[0].detail
        );
    }

    #[test]
    fn a_cycle_through_two_stages_is_reported_on_both() {
        let mut f = seed();
        // features writes where preprocess is triggered.
        f.stages[1].writes.push(edge("raw", "incoming/"));
        let p = problems(&f, &all_known());
        let at: Vec<String> = p.iter().map(|p| p.path.to_string()).collect();
        assert_eq!(at, ["stage[0].trigger", "stage[1].trigger"], "{p:?}");
        assert!(p[0].detail.contains("preprocess -> features -> preprocess"));
        // Writing next to the trigger's prefix is no cycle.
        let mut g = seed();
        g.stages[1].writes.push(edge("raw", "archive/"));
        assert_eq!(problems(&g, &all_known()), []);
    }

    #[test]
    fn overlapping_triggers_on_one_bucket_are_refused() {
        let mut f = seed();
        f.stages[2].trigger = trigger("raw", "", ".csv");
        let p = problems(&f, &all_known());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path.to_string(), "stage[2].trigger");
        assert_eq!(p[0].summary, "Overlapping triggers");
        // Disjoint suffixes, disjoint prefixes, or another bucket: fine.
        for t in [
            trigger("raw", "", ".json"),
            trigger("raw", "other/", ".csv"),
            trigger("models", "incoming/", ".csv"),
        ] {
            let mut g = seed();
            g.stages[2].trigger = t.clone();
            assert_eq!(problems(&g, &all_known()), [], "{t:?}");
        }
    }

    #[test]
    fn undeclared_buckets_are_reported_on_the_edge() {
        let mut f = seed();
        f.stages[1].writes.push(edge("nowhere", ""));
        f.stages[2].trigger = trigger("elsewhere", "", "");
        let p = problems(&f, &all_known());
        let at: Vec<String> = p.iter().map(|p| p.path.to_string()).collect();
        assert_eq!(
            at,
            ["stage[1].writes[1].bucket", "stage[2].trigger.bucket"],
            "{p:?}"
        );
        assert!(p[0].detail.contains("\"raw\", \"clean\", \"models\""));
        // Unknown buckets: nothing said yet.
        let known = Known {
            buckets: false,
            edges: true,
        };
        assert_eq!(problems(&f, &known), []);
    }

    #[test]
    fn duplicates_are_reported() {
        let mut f = seed();
        f.buckets.push(bucket("raw"));
        f.stages.push(f.stages[2].clone());
        let at: Vec<String> = problems(&f, &all_known())
            .iter()
            .map(|p| p.path.to_string())
            .collect();
        assert_eq!(at, ["bucket[3].suffix", "stage[3].name"]);
    }
}
