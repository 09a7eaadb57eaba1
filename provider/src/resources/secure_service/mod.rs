//! `blueprint_secure_service`: seed 001's ECS Fargate service behind a shared ALB, reachable only
//! from the ALB.
//!
//! Children (the declaration's table, run by the engine): an execution role and a task role with
//! exact policies, a security group admitting only the ALB's group on the container port, a log
//! group and a target group of type `ip` (created concurrently), then the listener rule, the
//! task definition, the service (private subnets, no public IP, waited on until stable) and the
//! optional target-tracking autoscaling (scalable target, CPU and memory policies). Every child
//! carries `tags_all` and `blueprint:owner = blueprint_secure_service/NAME`. There is no open
//! shape: no public IP, no CIDR ingress, no wildcard IAM statement.

use blueprint_declarations::composites::secure_service as declaration;
use declaration::uses;
mod listener_rule;
mod log_group;
pub mod policies;
mod role;
mod scaling;
mod security_group;
mod service;
mod target_group;
mod task_definition;

use std::collections::BTreeMap;

use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx, Recorder};
use crate::lint_bridge;
use crate::tf_value::{entries, known, list, map, strings, StringList, StringMap};
use crate::types::sg_rule::{to_strings, SgRule, Source};
use policies::{ArnScope, Statement};

/// Default health check path (seed 001).
pub const DEFAULT_HEALTH_CHECK_PATH: &str = "/health";
/// Default task CPU units.
pub const DEFAULT_CPU: i64 = 256;
/// Default task memory (MiB).
pub const DEFAULT_MEMORY: i64 = 512;
/// Default number of tasks.
pub const DEFAULT_DESIRED_COUNT: i64 = 1;
/// Default log retention (days).
pub const DEFAULT_LOG_RETENTION_DAYS: i64 = 30;
/// Seed 001's target tracking: CPU 70 %.
pub const DEFAULT_CPU_TARGET: i64 = 70;
/// Seed 001's target tracking: memory 80 %.
pub const DEFAULT_MEMORY_TARGET: i64 = 80;
pub use blueprint_declarations::composites::secure_service::{MAX_NAME_LEN, RETENTION_DAYS};

/// `container { ... }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerValue {
    /// Image reference.
    pub image: Value<String>,
    /// Container port, the target group's port and the only port the ALB may reach.
    pub port: Value<i64>,
    /// Task CPU units.
    pub cpu: Value<i64>,
    /// Task memory in MiB.
    pub memory: Value<i64>,
    /// Plain environment.
    pub environment: StringMap,
    /// Secret environment: name to Secrets Manager or SSM parameter ARN.
    pub secrets: StringMap,
}

/// `autoscaling { ... }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoscalingValue {
    /// Fewest tasks.
    pub min: Value<i64>,
    /// Most tasks.
    pub max: Value<i64>,
    /// Average CPU utilisation to track (percent).
    pub cpu_target: Value<i64>,
    /// Average memory utilisation to track (percent).
    pub memory_target: Value<i64>,
}

/// One element of `task_role_policy_statements`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatementValue {
    /// Actions.
    pub actions: StringList,
    /// Resource ARNs.
    pub resources: StringList,
}

/// One `uses` block: a store and the access the service needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UseValue {
    /// A key of `data_stores`, or a store's ARN.
    pub store: Value<String>,
    /// `read`, `write`, `read_write`, `send`, `consume` or `publish`.
    pub access: Value<String>,
    /// Buckets only: the key prefix.
    pub prefix: Value<String>,
}

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecureServiceState {
    /// `CLUSTER/SERVICE`, the import id.
    pub id: Value<String>,
    /// Service name; prefixes every child.
    pub name: Value<String>,
    /// Cluster name or ARN.
    pub cluster: Value<String>,
    /// VPC of the ALB and the tasks.
    pub vpc_id: Value<String>,
    /// Private subnets of the tasks.
    pub subnet_ids: StringList,
    /// The shared ALB's listener.
    pub listener_arn: Value<String>,
    /// The shared ALB's security group: the only source admitted.
    pub alb_security_group_id: Value<String>,
    /// More security groups the tasks carry.
    pub additional_security_group_ids: StringList,
    /// Path patterns routed to the service.
    pub path_patterns: StringList,
    /// Listener rule priority.
    pub priority: Value<i64>,
    /// The container.
    pub container: Value<ContainerValue>,
    /// Health check path.
    pub health_check_path: Value<String>,
    /// Number of tasks.
    pub desired_count: Value<i64>,
    /// Target tracking autoscaling.
    #[serde(with = "crate::tf_value::optional_block")]
    pub autoscaling: Value<AutoscalingValue>,
    /// The task role's statements.
    pub task_role_policy_statements: Value<Vec<Value<StatementValue>>>,
    /// The stores `uses` may name: key to ARN.
    pub data_stores: StringMap,
    /// What the service uses (its task role's statements are derived from it).
    pub uses: Value<Vec<Value<UseValue>>>,
    /// Log retention in days.
    pub log_retention_days: Value<i64>,
    /// Tags.
    pub tags: StringMap,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// Service ARN.
    pub service_arn: Value<String>,
    /// Current task definition revision.
    pub task_definition_arn: Value<String>,
    /// Service security group.
    pub security_group_id: Value<String>,
    /// Target group.
    pub target_group_arn: Value<String>,
    /// Listener rule.
    pub listener_rule_arn: Value<String>,
    /// Task role ARN.
    pub task_role_arn: Value<String>,
    /// Execution role ARN.
    pub execution_role_arn: Value<String>,
    /// Log group name.
    pub log_group_name: Value<String>,
    /// The scalable target's resource id (`service/CLUSTER/NAME`).
    pub scalable_target_id: Value<String>,
    /// The CPU target-tracking policy.
    pub cpu_policy_arn: Value<String>,
    /// The memory target-tracking policy.
    pub memory_policy_arn: Value<String>,
    /// Observed ingress rules of the service security group (repaired to the ALB's only).
    pub ingress_rules: StringList,
    /// Observed role policies, `ROLE/POLICY` to document (repaired to the derived ones).
    pub role_policies: StringMap,
}

impl SecureServiceState {
    fn name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }
    fn cluster_name(&self) -> String {
        let c = known(&self.cluster).unwrap_or_default();
        c.rsplit_once("cluster/")
            .map(|(_, n)| n)
            .unwrap_or(c)
            .to_string()
    }
    fn container(&self) -> ContainerValue {
        self.container.as_ref_option().cloned().unwrap_or_default()
    }
    fn port(&self) -> i64 {
        self.container().port.as_option().unwrap_or(0)
    }
    fn role_name(&self, kind: &str) -> String {
        format!("{}-{kind}", self.name())
    }
    fn sg_name(&self) -> String {
        format!("{}-service", self.name())
    }
    fn target_group_name(&self) -> String {
        format!("{}-tg", self.name())
    }
    fn log_group(&self) -> String {
        format!("/ecs/{}", self.name())
    }
    fn tags_all_map(&self) -> BTreeMap<String, String> {
        entries(&self.tags_all)
    }
    /// The owner tag's value: `blueprint_secure_service/NAME`.
    fn owner(&self) -> String {
        crate::kinds::ownership::owner(declaration::declaration().type_name, self.name())
    }
    /// The tags every child is created with: `tags_all` and the owner tag.
    fn child_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&self.tags_all_map(), &self.owner())
    }
    /// Whether the tags changed from `prior` (the children are retagged).
    fn tags_changed(&self, prior: &SecureServiceState) -> bool {
        prior.child_tags() != self.child_tags()
    }
    /// The autoscaling block (defaults when there is none).
    fn scaling(&self) -> AutoscalingValue {
        self.autoscaling
            .as_ref_option()
            .cloned()
            .unwrap_or_default()
    }
    /// The `uses` blocks, when every one is known (`None` while any part is unknown).
    fn uses_list(&self) -> Option<Vec<uses::Use>> {
        let items = match &self.uses {
            Value::Null => return Some(Vec::new()),
            Value::Unknown => return None,
            Value::Value(items) => items,
        };
        items
            .iter()
            .map(|u| {
                let u = u.as_ref_option()?;
                Some(uses::Use {
                    store: known(&u.store)?.to_string(),
                    access: known(&u.access)?.to_string(),
                    prefix: match &u.prefix {
                        Value::Null => None,
                        Value::Unknown => return None,
                        Value::Value(p) => Some(p.clone()),
                    },
                })
            })
            .collect()
    }
    /// `data_stores`, when it and every ARN in it are known.
    fn stores(&self) -> Option<BTreeMap<String, String>> {
        match &self.data_stores {
            Value::Null => Some(BTreeMap::new()),
            Value::Unknown => None,
            Value::Value(m) => m
                .iter()
                .map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
                .collect(),
        }
    }
    /// The statements `uses` derives; empty while unknown or refused (the plan reports it).
    fn derived_statements(&self) -> Vec<Statement> {
        let (Some(list), Some(stores)) = (self.uses_list(), self.stores()) else {
            return Vec::new();
        };
        uses::derive(&list, &stores)
            .map(|d| {
                d.into_iter()
                    .map(|d| Statement {
                        actions: d.actions,
                        resources: d.resources,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    fn statements(&self) -> Vec<Statement> {
        self.task_role_policy_statements
            .as_ref_option()
            .map(|l| {
                l.iter()
                    .filter_map(|s| s.as_ref_option())
                    .map(|s| Statement {
                        actions: strings(&s.actions),
                        resources: strings(&s.resources),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    fn desired_ingress(&self) -> Vec<SgRule> {
        match (
            known(&self.alb_security_group_id),
            u16::try_from(self.port()),
        ) {
            (Some(sg), Ok(port)) => vec![SgRule::tcp(port, Source::Group(sg.to_string()))],
            _ => Vec::new(),
        }
    }
    fn scope(&self) -> Option<ArnScope> {
        known(&self.listener_arn).and_then(ArnScope::of)
    }
    /// The wanted role policies, when every input they depend on is known.
    fn desired_role_policies(&self) -> Option<BTreeMap<String, String>> {
        let scope = self.scope()?;
        let c = self.container.as_ref_option()?;
        let image = known(&c.image)?;
        if c.secrets.is_unknown()
            || c.secrets
                .as_ref_option()
                .is_some_and(|m| m.values().any(|v| v.is_unknown()))
            || !self.statements_known()
            || !self.name.is_value()
        {
            return None;
        }
        let exec =
            policies::execution_policy(&scope, image, &self.log_group(), &entries(&c.secrets));
        if self.uses_list().is_none() || self.stores().is_none() {
            return None;
        }
        let task = policies::task_policy(&self.statements(), &self.derived_statements());
        Some(policies::desired(&exec, task.as_deref()))
    }
    fn statements_known(&self) -> bool {
        match &self.task_role_policy_statements {
            Value::Unknown => false,
            Value::Null => true,
            Value::Value(l) => l.iter().all(|s| match s {
                Value::Unknown => false,
                Value::Null => true,
                Value::Value(s) => [&s.actions, &s.resources].iter().all(|l| match l {
                    Value::Unknown => false,
                    Value::Null => true,
                    Value::Value(items) => items.iter().all(|i| !i.is_unknown()),
                }),
            }),
        }
    }
}

/// Fill defaults and the values derived from inputs.
fn derive(s: &mut SecureServiceState, clients: Option<&AwsClients>) {
    if let Value::Value(c) = &mut s.container {
        if c.cpu.is_null() {
            c.cpu = Value::Value(DEFAULT_CPU);
        }
        if c.memory.is_null() {
            c.memory = Value::Value(DEFAULT_MEMORY);
        }
    }
    if s.health_check_path.is_null() {
        s.health_check_path = Value::Value(DEFAULT_HEALTH_CHECK_PATH.into());
    }
    if s.desired_count.is_null() {
        s.desired_count = Value::Value(match &s.autoscaling {
            Value::Value(a) => a.min.as_option().unwrap_or(DEFAULT_DESIRED_COUNT),
            _ => DEFAULT_DESIRED_COUNT,
        });
    }
    if let Value::Value(a) = &mut s.autoscaling {
        if a.cpu_target.is_null() {
            a.cpu_target = Value::Value(DEFAULT_CPU_TARGET);
        }
        if a.memory_target.is_null() {
            a.memory_target = Value::Value(DEFAULT_MEMORY_TARGET);
        }
    }
    if s.log_retention_days.is_null() {
        s.log_retention_days = Value::Value(DEFAULT_LOG_RETENTION_DAYS);
    }
    if s.name.is_value() {
        s.log_group_name = Value::Value(s.log_group());
        if s.cluster.is_value() {
            s.id = Value::Value(format!("{}/{}", s.cluster_name(), s.name()));
        }
    }
    s.tags_all = match clients {
        Some(clients) if !s.tags.is_unknown() => {
            let mut all = clients.default_tags().clone();
            all.extend(entries(&s.tags));
            map(all)
        }
        _ => Value::Unknown,
    };
    s.ingress_rules = if s.alb_security_group_id.is_value()
        && s.container
            .as_ref_option()
            .is_some_and(|c| c.port.is_value())
    {
        list(to_strings(&s.desired_ingress()))
    } else {
        Value::Unknown
    };
    s.role_policies = match s.desired_role_policies() {
        Some(p) => map(p),
        None => Value::Unknown,
    };
}

/// The composite.
pub struct SecureService;

/// Every computed id, unknown (a new service) or null (autoscaling not asked for).
fn plan_ids(planned: &mut SecureServiceState) {
    for v in [
        &mut planned.service_arn,
        &mut planned.task_definition_arn,
        &mut planned.security_group_id,
        &mut planned.target_group_arn,
        &mut planned.listener_rule_arn,
        &mut planned.task_role_arn,
        &mut planned.execution_role_arn,
        &mut planned.log_group_name,
    ] {
        *v = Value::Unknown;
    }
    let scaling = if planned.autoscaling.is_null() {
        Value::Null
    } else {
        Value::Unknown
    };
    for v in [
        &mut planned.scalable_target_id,
        &mut planned.cpu_policy_arn,
        &mut planned.memory_policy_arn,
    ] {
        *v = scaling.clone();
    }
}

#[async_trait]
impl Composite for SecureService {
    type State = SecureServiceState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn validate(&self, config: &Self::State, diags: &mut Diagnostics) {
        validate_container(config, diags);
        if let Value::Value(a) = &config.autoscaling {
            if let (Value::Value(min), Value::Value(max)) = (a.min, a.max) {
                if min > max {
                    diags.error(
                        "Invalid autoscaling range",
                        format!("min ({min}) must not exceed max ({max})."),
                        AttributePath::new("autoscaling").index(0).attribute("min"),
                    );
                }
            }
        }
        validate_statements(config, diags);
        validate_uses(config, diags);
    }

    fn lint(&self, config: &Self::State, diags: &mut Diagnostics) {
        lint_bridge::warn(diags, "blueprint_secure_service", config);
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        _diags: &mut Diagnostics,
    ) {
        derive(planned, clients);
        plan_ids(planned);
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        derive(planned, clients);
        // The declared `replaces` attributes and a service gone out of band (the children
        // table makes every other child again in place).
        let mut replace =
            match crate::composite::plan::replacements(self.declaration(), prior, planned) {
                Ok(r) => r,
                Err(e) => {
                    crate::composite::CompositeError::from(e).report(diags);
                    return Vec::new();
                }
            };
        let port = |s: &SecureServiceState| s.container.as_ref_option().map(|c| c.port);
        if port(prior) != port(planned) {
            replace.push(AttributePath::new("container").attribute("port"));
        }
        if !replace.is_empty() {
            plan_ids(planned);
            return replace;
        }
        if task_definition::changes(prior, planned) {
            planned.task_definition_arn = Value::Unknown;
        }
        Vec::new()
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![
            Box::new(role::Role::EXECUTION),
            Box::new(role::Role::TASK),
            Box::new(security_group::SecurityGroup),
            Box::new(log_group::LogGroup),
            Box::new(target_group::TargetGroup),
            Box::new(listener_rule::ListenerRule),
            Box::new(task_definition::TaskDefinition),
            Box::new(service::EcsService),
            Box::new(scaling::ScalableTarget),
            Box::new(scaling::Policy::CPU),
            Box::new(scaling::Policy::MEMORY),
        ]
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        let Some((cluster, name)) = id
            .rsplit_once('/')
            .filter(|(c, n)| !c.is_empty() && !n.is_empty())
        else {
            return Err(CompositeError::new(
                "Invalid import id",
                format!("\"{id}\" is not CLUSTER/SERVICE (e.g. `senas/content`)."),
            ));
        };
        let mut s = SecureServiceState {
            name: Value::Value(name.to_string()),
            cluster: Value::Value(cluster.to_string()),
            ..Default::default()
        };
        let Some(svc) = service::describe(ctx, &s).await? else {
            return Err(CompositeError::new(
                "Service not found",
                format!("no active service \"{name}\" in cluster \"{cluster}\"."),
            ));
        };
        // The ids the service names, the roles and the log group by their names, the rule that
        // forwards to the target group, autoscaling when the service has it; then every child
        // is read as a refresh would.
        service::import_inputs(ctx, &svc, &mut s);
        target_group::import_inputs(ctx, &mut s).await?;
        role::import_inputs(ctx, &mut s).await?;
        scaling::import_inputs(ctx, &mut s).await?;
        let rec = Recorder::new(s);
        self.table()?.read_all(ctx, &rec).await?;
        let mut s = rec.snapshot();
        security_group::import_inputs(&mut s);
        // derive fills defaults and tags_all; what was observed stays as observed.
        let (ingress, policies) = (s.ingress_rules.clone(), s.role_policies.clone());
        derive(&mut s, Some(&ctx.clients));
        s.ingress_rules = ingress;
        s.role_policies = policies;
        // No `uses` block is an empty list, as Terraform holds it after an apply.
        if s.uses.is_null() {
            s.uses = Value::Value(Vec::new());
        }
        Ok(s)
    }
}

fn validate_container(config: &SecureServiceState, diags: &mut Diagnostics) {
    let Value::Value(c) = &config.container else {
        return;
    };
    // Unset sizes take their declared defaults, so a lone `cpu` is checked too.
    let cpu = match c.cpu {
        Value::Null => Value::Value(DEFAULT_CPU),
        v => v,
    };
    let memory = match c.memory {
        Value::Null => Value::Value(DEFAULT_MEMORY),
        v => v,
    };
    if let (Value::Value(cpu), Value::Value(memory)) = (cpu, memory) {
        if !task_definition::fargate_size_ok(cpu, memory) {
            diags.error(
                "Invalid Fargate size",
                format!("cpu {cpu} with memory {memory} MiB is not a Fargate task size (e.g. 256/512, 512/1024, 1024/2048, 2048/4096, 4096/8192)."),
                AttributePath::new("container").attribute("memory"),
            );
        }
    }
}

/// `uses`: each store declared in `data_stores` (or an ARN of a table, bucket, queue or topic),
/// each access one its kind has, each prefix on a bucket; reported on `uses[i].ATTR`. Checked
/// once `uses` and `data_stores` are known (an ARN another resource makes is checked again at
/// apply's plan).
fn validate_uses(config: &SecureServiceState, diags: &mut Diagnostics) {
    let (Some(list), Some(stores)) = (config.uses_list(), config.stores()) else {
        return;
    };
    if let Err(errors) = uses::derive(&list, &stores) {
        for e in errors {
            diags.error(
                "Invalid use of a data store",
                format!("{}: {}", e.at(), e.message),
                AttributePath::new("uses")
                    .index(e.index as i64)
                    .attribute(e.field.name()),
            );
        }
    }
}

/// Task-role statements: every action and resource exact (no wildcard, partial ones
/// included), each refused entry reported on its own path.
fn validate_statements(config: &SecureServiceState, diags: &mut Diagnostics) {
    let Value::Value(statements) = &config.task_role_policy_statements else {
        return;
    };
    for (i, st) in statements.iter().enumerate() {
        let Value::Value(st) = st else { continue };
        // Checked once known: an unknown list, or one with an unknown element (a resource ARN
        // another resource makes), is checked again at apply's plan.
        let unknown = |l: &StringList| {
            l.is_unknown()
                || l.as_ref_option()
                    .is_some_and(|items| items.iter().any(|v| v.is_unknown()))
        };
        if unknown(&st.actions) || unknown(&st.resources) {
            continue;
        }
        let (actions, resources) = (strings(&st.actions), strings(&st.resources));
        if let Err(errors) = crate::types::iam::Statement::parse(&actions, &resources) {
            for (field, index, err) in errors {
                let mut path = AttributePath::new("task_role_policy_statements")
                    .index(i as i64)
                    .attribute(field.name());
                let at = if matches!(err, crate::types::iam::StatementError::Empty(_)) {
                    format!("task_role_policy_statements[{i}].{}", field.name())
                } else {
                    path = path.index(index as i64);
                    format!("task_role_policy_statements[{i}].{}[{index}]", field.name())
                };
                diags.error("Invalid task role statement", format!("{at}: {err}."), path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(actions: &[&str], resources: &[&str]) -> Value<StatementValue> {
        let l = |v: &[&str]| list(v.iter().map(|s| s.to_string()).collect());
        Value::Value(StatementValue {
            actions: l(actions),
            resources: l(resources),
        })
    }

    #[test]
    fn a_wildcard_statement_is_an_error_on_its_exact_path() {
        let state = SecureServiceState {
            name: Value::Value("content".into()),
            task_role_policy_statements: Value::Value(vec![
                statement(&["s3:GetObject"], &["arn:aws:s3:::b/*"]),
                statement(&["s3:*"], &["arn:aws:s3:::b"]),
            ]),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        SecureService.lint(&state, &mut diags);
        let errors: Vec<String> = diags
            .errors
            .iter()
            .map(|d| format!("{:?} {}", d.attribute, d.summary))
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let want = AttributePath::new("task_role_policy_statements")
            .index(1)
            .attribute("actions")
            .index(0);
        assert_eq!(diags.errors[0].attribute, want);
        assert!(errors[0].contains("(iam-no-wildcard)"), "{errors:?}");
    }

    fn uses(items: &[(&str, &str, Option<&str>)]) -> Value<Vec<Value<UseValue>>> {
        Value::Value(
            items
                .iter()
                .map(|(store, access, prefix)| {
                    Value::Value(UseValue {
                        store: Value::Value(store.to_string()),
                        access: Value::Value(access.to_string()),
                        prefix: prefix.map_or(Value::Null, |p| Value::Value(p.to_string())),
                    })
                })
                .collect(),
        )
    }

    fn stores() -> StringMap {
        map([
            (
                "table/UserProgress".to_string(),
                "arn:aws:dynamodb:us-east-2:123456789012:table/senas-UserProgress".to_string(),
            ),
            (
                "topic/achievement-notifs".to_string(),
                "arn:aws:sns:us-east-2:123456789012:senas-achievement-notifs".to_string(),
            ),
        ]
        .into_iter()
        .collect())
    }

    #[test]
    fn an_undeclared_store_and_a_write_to_a_topic_are_errors_on_their_paths() {
        let state = SecureServiceState {
            name: Value::Value("users".into()),
            data_stores: stores(),
            uses: uses(&[
                ("table/UserProgress", "write", None),
                ("table/UserData", "read", None),
                ("topic/achievement-notifs", "write", None),
            ]),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        SecureService.validate(&state, &mut diags);
        let at: Vec<AttributePath> = diags.errors.iter().map(|d| d.attribute.clone()).collect();
        assert_eq!(
            at,
            [
                AttributePath::new("uses").index(1).attribute("store"),
                AttributePath::new("uses").index(2).attribute("access"),
            ]
        );
        // Unknown stores (a `blueprint_data_stores` not created yet) wait for apply's plan.
        let later = SecureServiceState {
            data_stores: Value::Unknown,
            ..state
        };
        let mut diags = Diagnostics::default();
        SecureService.validate(&later, &mut diags);
        assert!(diags.errors.is_empty());
    }

    #[test]
    fn the_task_policy_carries_the_statements_uses_derives() {
        let state = SecureServiceState {
            name: Value::Value("users".into()),
            listener_arn: Value::Value(
                "arn:aws:elasticloadbalancing:us-east-2:123456789012:listener/app/senas/1/2".into(),
            ),
            container: Value::Value(ContainerValue {
                image: Value::Value("nginx:1".into()),
                ..Default::default()
            }),
            data_stores: stores(),
            uses: uses(&[
                ("table/UserProgress", "write", None),
                ("topic/achievement-notifs", "publish", None),
            ]),
            ..Default::default()
        };
        let policies = state.desired_role_policies().unwrap();
        let task = &policies[&format!("{}/{}", policies::TASK, policies::TASK_POLICY)];
        let doc: serde_json::Value = serde_json::from_str(task).unwrap();
        let stmts = doc["Statement"].as_array().unwrap();
        assert_eq!(stmts.len(), 2);
        assert!(task.contains("dynamodb:PutItem"));
        assert!(task.contains("\"sns:Publish\""));
        assert!(!task.contains("\"*\""));
        let unknown = SecureServiceState {
            uses: Value::Unknown,
            ..state
        };
        assert_eq!(unknown.desired_role_policies(), None);
    }

    /// A resource ARN another resource makes in the same apply is unknown at the first plan:
    /// not "a statement without resources".
    #[test]
    fn a_statement_with_an_unknown_resource_waits_until_it_is_known() {
        let mut st = statement(&["s3:GetObject"], &["arn:aws:s3:::b/*"]);
        if let Value::Value(s) = &mut st {
            s.resources = Value::Value(vec![Value::Unknown]);
        }
        let state = SecureServiceState {
            name: Value::Value("api".into()),
            task_role_policy_statements: Value::Value(vec![st]),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_statements(&state, &mut diags);
        assert!(diags.errors.is_empty(), "{:?}", diags.errors);
        assert_eq!(state.desired_role_policies(), None);
    }

    #[test]
    fn a_plaintext_secret_in_the_environment_is_an_error_on_its_key() {
        let mut env = BTreeMap::new();
        env.insert("LOG_LEVEL".to_string(), "info".to_string());
        env.insert("API_TOKEN".to_string(), "tok_live_123".to_string());
        let state = SecureServiceState {
            name: Value::Value("users".into()),
            container: Value::Value(ContainerValue {
                image: Value::Value("nginx:1".into()),
                port: Value::Value(80),
                environment: map(env),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        SecureService.lint(&state, &mut diags);
        assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
        let want = AttributePath::new("container")
            .attribute("environment")
            .key("API_TOKEN");
        assert_eq!(diags.errors[0].attribute, want);
        assert!(diags.errors[0]
            .detail
            .contains("At container.environment[\"API_TOKEN\"]"));
    }

    #[test]
    fn computed_values_are_unknown_until_known() {
        let mut s = SecureServiceState {
            name: Value::Value("content".into()),
            cluster: Value::Value("arn:aws:ecs:us-east-1:123456789012:cluster/senas".into()),
            listener_arn: Value::Unknown,
            alb_security_group_id: Value::Value("sg-1".into()),
            container: Value::Value(ContainerValue {
                image: Value::Value("nginx:1".into()),
                port: Value::Value(80),
                ..Default::default()
            }),
            ..Default::default()
        };
        derive(&mut s, None);
        assert_eq!(s.id, Value::Value("senas/content".into()));
        assert_eq!(s.log_group_name, Value::Value("/ecs/content".into()));
        assert_eq!(s.ingress_rules, list(vec!["tcp 80-80 sg-1".into()]));
        // The execution policy needs the listener's account and region.
        assert_eq!(s.role_policies, Value::Unknown);
        assert_eq!(s.container.as_ref_option().unwrap().cpu, Value::Value(256));
    }
}
