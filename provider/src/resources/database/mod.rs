//! `blueprint_database`: seed 001's PostgreSQL, Aurora Serverless v2 or one RDS instance, on
//! the children table (subnet group, security group, then the cluster with its writer and
//! optional reader, or the instance).
//!
//! The secure shape is the only shape: never publicly accessible, storage encrypted, the master
//! password generated and kept by RDS in Secrets Manager (no password in configuration, plan or
//! state), 5432 open only to the security groups given. `profile` fills the seed 001 sizing
//! defaults.

mod client_security_group;
mod cluster;
mod cluster_instance;
mod instance;
mod rds;
mod security_group;
mod subnet_group;

use std::collections::BTreeMap;

use crate::tf::Value;
use crate::tf::{AttributePath, Diagnostics};
use async_trait::async_trait;
use blueprint_declarations::composites::database::{
    self as declaration, acu_ok, sizing, Sizing, AURORA, POSTGRES, SERVERLESS_CLASS,
};
use serde::{Deserialize, Serialize};

use crate::clients::AwsClients;
use crate::composite::engine::ChildOps;
use crate::composite::timeouts::TimeoutsValue;
use crate::composite::{Composite, CompositeError, Ctx};
use crate::tf_value::{entries, known, list, map, strings, StringList, StringMap};
use crate::types::sg_rule::{canonical_set, to_strings, SgRule, Source};

/// The PostgreSQL port.
pub const PORT: i64 = declaration::PORT;

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseState {
    /// `name`.
    pub id: Value<String>,
    /// Cluster or instance identifier.
    pub name: Value<String>,
    /// `dev` or `prod`.
    pub profile: Value<String>,
    /// `aurora-postgresql` or `postgres`.
    pub engine: Value<String>,
    /// PostgreSQL version.
    pub engine_version: Value<String>,
    /// VPC.
    pub vpc_id: Value<String>,
    /// Database subnets.
    pub subnet_ids: StringList,
    /// Security groups admitted on 5432.
    pub allowed_security_group_ids: StringList,
    /// Initial database.
    pub database_name: Value<String>,
    /// Master user.
    pub master_username: Value<String>,
    /// The write-only master password (null in every plan and state Terraform sees: the
    /// server copies it in from the configuration and takes it out of every answer).
    pub master_password_wo: WriteOnly,
    /// Changed to send `master_password_wo` again.
    pub master_password_wo_version: Value<i64>,
    /// KMS key of the storage.
    pub kms_key_id: Value<String>,
    /// Aurora minimum ACU.
    #[serde(with = "capacity")]
    pub min_capacity: Value<f64>,
    /// Aurora maximum ACU.
    #[serde(with = "capacity")]
    pub max_capacity: Value<f64>,
    /// Aurora reader instance.
    pub reader: Value<bool>,
    /// Instance class.
    pub instance_class: Value<String>,
    /// RDS storage, GiB.
    pub allocated_storage: Value<i64>,
    /// RDS Multi-AZ.
    pub multi_az: Value<bool>,
    /// Backup retention, days.
    pub backup_retention_days: Value<i64>,
    /// Deletion protection.
    pub deletion_protection: Value<bool>,
    /// Destroy without a final snapshot.
    pub skip_final_snapshot: Value<bool>,
    /// Tags.
    pub tags: StringMap,
    /// Timeouts.
    #[serde(with = "crate::tf_value::optional_block")]
    pub timeouts: Value<TimeoutsValue>,
    /// Tags with the provider's default tags.
    pub tags_all: StringMap,
    /// Writer endpoint.
    pub endpoint: Value<String>,
    /// Aurora reader endpoint.
    pub reader_endpoint: Value<String>,
    /// Port.
    pub port: Value<i64>,
    /// The managed master secret's ARN.
    pub master_user_secret_arn: Value<String>,
    /// Security group id.
    pub security_group_id: Value<String>,
    /// The client security group's id (members reach the database).
    pub client_security_group_id: Value<String>,
    /// DB subnet group name.
    pub db_subnet_group_name: Value<String>,
    /// Aurora cluster identifier.
    pub cluster_identifier: Value<String>,
    /// Aurora cluster ARN.
    pub cluster_arn: Value<String>,
    /// Aurora writer identifier.
    pub writer_identifier: Value<String>,
    /// Aurora writer ARN.
    pub writer_arn: Value<String>,
    /// Aurora reader identifier.
    pub reader_identifier: Value<String>,
    /// Aurora reader ARN.
    pub reader_arn: Value<String>,
    /// RDS instance identifier.
    pub instance_identifier: Value<String>,
    /// RDS instance ARN.
    pub instance_arn: Value<String>,
    /// Observed ingress rules.
    pub ingress_rules: StringList,
    /// Observed guaranteed settings.
    pub settings: StringMap,
}

/// A write-only secret: serialized as the value it holds, never shown by `Debug` (states are
/// logged at debug level).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WriteOnly(pub Value<String>);

impl std::fmt::Debug for WriteOnly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Value::Value(_) => f.write_str("WriteOnly(<redacted>)"),
            Value::Null => f.write_str("WriteOnly(null)"),
            Value::Unknown => f.write_str("WriteOnly(unknown)"),
        }
    }
}

impl WriteOnly {
    /// The secret, when known.
    pub fn known(&self) -> Option<&str> {
        known(&self.0)
    }
}

/// Capacity units as Terraform sends them: a number, or (for a fraction binary floating point
/// cannot hold exactly, such as `0.7`) its decimal text, which must still reach validation.
mod capacity {
    use crate::tf::Value;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Float(f64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(v: &Value<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value<f64>, D::Error> {
        Ok(match Value::<Number>::deserialize(d)? {
            Value::Value(Number::Float(f)) => Value::Value(f),
            Value::Value(Number::Text(t)) => Value::Value(t.parse().unwrap_or(f64::NAN)),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        })
    }
}

impl DatabaseState {
    fn name(&self) -> &str {
        known(&self.name).unwrap_or_default()
    }
    /// Whether this is an Aurora cluster (unknown engine: yes, as the default).
    fn aurora(&self) -> bool {
        known(&self.engine) != Some(POSTGRES)
    }
    fn postgres(&self) -> bool {
        known(&self.engine) == Some(POSTGRES)
    }
    fn wants_reader(&self) -> bool {
        self.aurora() && self.reader.as_option() != Some(false)
    }
    fn sg_name(&self) -> String {
        format!("{}-db", self.name())
    }
    fn writer_name(&self) -> String {
        format!("{}-writer", self.name())
    }
    fn reader_name(&self) -> String {
        format!("{}-reader", self.name())
    }
    fn tags_all_map(&self) -> BTreeMap<String, String> {
        entries(&self.tags_all)
    }
    fn owner(&self) -> String {
        crate::kinds::ownership::owner("blueprint_database", self.name())
    }
    /// The tags every child carries: `tags_all` and the owner tag.
    fn child_tags(&self) -> BTreeMap<String, String> {
        crate::kinds::ownership::with_owner(&self.tags_all_map(), &self.owner())
    }
    /// The main child's tags: the child tags and the profile (read back by import).
    fn main_tags(&self) -> BTreeMap<String, String> {
        let mut t = self.child_tags();
        if let Some(p) = known(&self.profile) {
            t.insert(rds::PROFILE_TAG.to_string(), p.to_string());
        }
        t
    }
    fn retention(&self) -> i32 {
        self.backup_retention_days
            .as_option()
            .and_then(|d| i32::try_from(d).ok())
            .unwrap_or(1)
    }
    /// Whether the master password is the write-only one (not RDS-managed). Unknown counts
    /// as set: a password computed at apply is still given.
    fn write_only_password(&self) -> bool {
        !self.master_password_wo.0.is_null()
    }
    /// The password to send now: at create, when the way changes, or when
    /// `master_password_wo_version` moved since `prior`.
    fn password_to_send(&self, prior: Option<&DatabaseState>) -> Option<&str> {
        let changed = prior.is_none_or(|p| {
            p.master_password_wo_version != self.master_password_wo_version
                || p.settings_say_managed() != Some(false)
        });
        self.master_password_wo.known().filter(|_| changed)
    }
    /// What the observed settings say of the managed secret (`None`: not observed).
    fn settings_say_managed(&self) -> Option<bool> {
        entries(&self.settings)
            .get("manage_master_user_password")
            .map(|v| v == "true")
    }
    fn protected(&self) -> bool {
        self.deletion_protection.as_option().unwrap_or(false)
    }
    fn skip_snapshot(&self) -> bool {
        self.skip_final_snapshot.as_option().unwrap_or(true)
    }
    /// The ingress the inputs ask for: 5432 from each allowed group.
    fn desired_ingress(&self) -> Vec<SgRule> {
        canonical_set(
            strings(&self.allowed_security_group_ids)
                .into_iter()
                .chain(known(&self.client_security_group_id).map(str::to_string))
                .map(|g| SgRule::tcp(PORT as u16, Source::Group(g))),
        )
    }
    /// The settings the resource guarantees, as they should be observed (`None` while an
    /// input is unknown).
    fn desired_settings(&self) -> Option<BTreeMap<String, String>> {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            m.insert(k.to_string(), v);
        };
        put(
            "backup_retention_period",
            self.backup_retention_days.as_option()?.to_string(),
        );
        put(
            "deletion_protection",
            self.deletion_protection.as_option()?.to_string(),
        );
        put("storage_encrypted", "true".into());
        put(
            "manage_master_user_password",
            (!self.write_only_password()).to_string(),
        );
        if self.postgres() {
            put("publicly_accessible", "false".into());
            put("instance_class", known(&self.instance_class)?.to_string());
            put(
                "allocated_storage",
                self.allocated_storage.as_option()?.to_string(),
            );
            put("multi_az", self.multi_az.as_option()?.to_string());
        } else {
            put("min_capacity", self.min_capacity.as_option()?.to_string());
            put("max_capacity", self.max_capacity.as_option()?.to_string());
            put("writer_publicly_accessible", "false".into());
            if self.reader.as_option()? {
                put("reader_publicly_accessible", "false".into());
            }
        }
        Some(m)
    }
    /// Record observed settings (overwriting those keys).
    fn observe(&mut self, seen: BTreeMap<String, String>) {
        let mut m = entries(&self.settings);
        m.extend(seen);
        self.settings = map(m);
    }
}

/// `kms_key_id` as read back from RDS: AWS answers the key's ARN; anything else (moto answers
/// the placeholder `default_kms_key_id`) is not recorded, because the attribute's own check
/// refuses it and a configuration generated from the state (`import {}` with
/// `terraform plan -generate-config-out`) would then fail its own plan.
pub(crate) fn key_arn(v: Option<&str>) -> Value<String> {
    match v {
        Some(k) if k.starts_with("arn:") && k.contains(":kms:") => Value::Value(k.to_string()),
        _ => Value::Null,
    }
}

fn set_or<T: Clone>(
    v: &mut Value<T>,
    profile: Option<&Sizing>,
    unknown: bool,
    pick: impl Fn(&Sizing) -> T,
) {
    if v.is_null() || v.is_unknown() {
        *v = match profile {
            Some(s) => Value::Value(pick(s)),
            None if unknown => Value::Unknown,
            None => Value::Null,
        };
    }
}

/// Move `v` to the new profile's default when it holds the old profile's.
fn follow<T: Clone + PartialEq>(
    v: &mut Value<T>,
    old: &Sizing,
    new: &Sizing,
    pick: impl Fn(&Sizing) -> T,
) {
    if v.as_ref_option() == Some(&pick(old)) {
        *v = Value::Value(pick(new));
    }
}

/// Fill the profile's defaults and the values derived from inputs. `prior_profile`: the
/// profile of the prior state (a value still at that profile's default follows the new one).
fn derive(s: &mut DatabaseState, prior_profile: Option<&str>, clients: Option<&AwsClients>) {
    let profile = known(&s.profile).and_then(sizing);
    let profile_unknown = s.profile.is_unknown();
    if let (Some(old), Some(new)) = (prior_profile.and_then(sizing), profile) {
        if old != new {
            follow(&mut s.backup_retention_days, &old, &new, |z| {
                z.backup_retention_days
            });
            follow(&mut s.deletion_protection, &old, &new, |z| {
                z.deletion_protection
            });
            follow(&mut s.skip_final_snapshot, &old, &new, |z| {
                z.skip_final_snapshot
            });
            follow(&mut s.min_capacity, &old, &new, |z| z.min_capacity);
            follow(&mut s.max_capacity, &old, &new, |z| z.max_capacity);
            follow(&mut s.reader, &old, &new, |z| z.reader);
            follow(&mut s.instance_class, &old, &new, |z| {
                z.instance_class.to_string()
            });
            follow(&mut s.allocated_storage, &old, &new, |z| {
                z.allocated_storage
            });
            follow(&mut s.multi_az, &old, &new, |z| z.multi_az);
        }
    }
    let p = profile.as_ref();
    let u = profile_unknown;
    set_or(&mut s.backup_retention_days, p, u, |z| {
        z.backup_retention_days
    });
    set_or(&mut s.deletion_protection, p, u, |z| z.deletion_protection);
    set_or(&mut s.skip_final_snapshot, p, u, |z| z.skip_final_snapshot);
    if s.engine.is_unknown() {
        for v in [&mut s.min_capacity, &mut s.max_capacity] {
            if v.is_null() {
                *v = Value::Unknown;
            }
        }
    } else if s.postgres() {
        set_or(&mut s.instance_class, p, u, |z| {
            z.instance_class.to_string()
        });
        set_or(&mut s.allocated_storage, p, u, |z| z.allocated_storage);
        set_or(&mut s.multi_az, p, u, |z| z.multi_az);
        s.min_capacity = Value::Null;
        s.max_capacity = Value::Null;
        s.reader = Value::Null;
    } else {
        set_or(&mut s.min_capacity, p, u, |z| z.min_capacity);
        set_or(&mut s.max_capacity, p, u, |z| z.max_capacity);
        set_or(&mut s.reader, p, u, |z| z.reader);
        if s.instance_class.is_null() {
            s.instance_class = Value::Value(SERVERLESS_CLASS.to_string());
        }
        s.allocated_storage = Value::Null;
        s.multi_az = Value::Null;
    }
    if let Value::Value(n) = &s.name {
        s.id = Value::Value(n.clone());
    }
    s.port = Value::Value(PORT);
    match clients {
        Some(c) if !s.tags.is_unknown() => {
            let mut all = c.default_tags().clone();
            all.extend(entries(&s.tags));
            s.tags_all = map(all);
        }
        _ => s.tags_all = Value::Unknown,
    }
    let groups_known = s
        .allowed_security_group_ids
        .as_ref_option()
        .is_some_and(|l| l.iter().all(|g| g.is_value()));
    s.ingress_rules = if groups_known && !s.client_security_group_id.is_unknown() {
        list(to_strings(&s.desired_ingress()))
    } else {
        Value::Unknown
    };
    s.settings = match s.desired_settings() {
        Some(m) if !s.engine.is_unknown() => map(m),
        _ => Value::Unknown,
    };
}

/// The composite.
pub struct Database;

/// An engine version whose major RDS does not offer for the engine fails the plan, on
/// `engine_version`.
fn refuse_unoffered_version(planned: &DatabaseState, diags: &mut Diagnostics) {
    if planned.engine.is_unknown() {
        return;
    }
    let engine = known(&planned.engine).unwrap_or(AURORA);
    if let Some(v) = known(&planned.engine_version) {
        if let Err(e) =
            blueprint_declarations::composites::database::engine_version_exists(engine, v)
        {
            diags.error(
                "Invalid engine_version",
                format!("engine_version: {e}"),
                AttributePath::new("engine_version"),
            );
        }
    }
}

#[async_trait]
impl Composite for Database {
    type State = DatabaseState;

    fn declaration(&self) -> &crate::declare::Declaration {
        declaration::declaration()
    }

    fn validate(&self, c: &Self::State, diags: &mut Diagnostics) {
        let engine = known(&c.engine).unwrap_or(AURORA);
        let engine_known = !c.engine.is_unknown();
        let mut refuse = |attr: &'static str, detail: String| {
            diags.error(
                format!("Invalid {attr}"),
                format!("{attr}: {detail}"),
                AttributePath::new(attr),
            );
        };
        for (attr, v) in [
            ("min_capacity", &c.min_capacity),
            ("max_capacity", &c.max_capacity),
        ] {
            if let Value::Value(acu) = v {
                if !acu_ok(*acu) {
                    refuse(
                        attr,
                        format!(
                            "{acu} is not a Serverless v2 capacity: 0.5 to 256 in steps of 0.5."
                        ),
                    );
                }
            }
        }
        if let (Value::Value(min), Value::Value(max)) = (&c.min_capacity, &c.max_capacity) {
            if min > max {
                refuse(
                    "max_capacity",
                    format!("{max} is below min_capacity ({min})."),
                );
            }
        }
        match (
            c.master_password_wo.0.is_null(),
            c.master_password_wo_version.is_null(),
        ) {
            (false, true) => refuse(
                "master_password_wo_version",
                "is required with master_password_wo: set it to 1, and change it whenever the password changes (Terraform cannot see a write-only value change, so the version is what sends the new password).".into(),
            ),
            (true, false) if !c.master_password_wo_version.is_unknown() => refuse(
                "master_password_wo_version",
                "applies only with master_password_wo; without it RDS manages the password in Secrets Manager. Remove it, or set master_password_wo.".into(),
            ),
            _ => {}
        }
        if let Some(p) = c.master_password_wo.known() {
            // From now on the password never reaches a log line, whatever prints it.
            crate::logging::redact_secret(p);
        }
        if !engine_known {
            return;
        }
        if engine == POSTGRES {
            for (attr, set) in [
                ("min_capacity", !c.min_capacity.is_null()),
                ("max_capacity", !c.max_capacity.is_null()),
                ("reader", !c.reader.is_null()),
            ] {
                if set {
                    refuse(attr, "applies to engine = \"aurora-postgresql\" only; remove it for \"postgres\".".into());
                }
            }
            if known(&c.instance_class) == Some(SERVERLESS_CLASS) {
                refuse(
                    "instance_class",
                    "db.serverless is for Aurora; give an RDS class such as db.t4g.micro.".into(),
                );
            }
        } else {
            for (attr, set) in [
                ("allocated_storage", !c.allocated_storage.is_null()),
                ("multi_az", !c.multi_az.is_null()),
            ] {
                if set {
                    refuse(attr, "applies to engine = \"postgres\" only; Aurora storage grows by itself and its reader is the standby.".into());
                }
            }
            if let Some(class) = known(&c.instance_class) {
                if class != SERVERLESS_CLASS {
                    refuse("instance_class", format!("\"{class}\": Aurora instances here are Serverless v2 (db.serverless), sized by min_capacity and max_capacity."));
                }
            }
        }
    }

    fn plan_create(
        &self,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) {
        refuse_unoffered_version(planned, diags);
        derive(planned, None, clients);
        let aurora = planned.aurora() || planned.engine.is_unknown();
        let postgres = planned.postgres() || planned.engine.is_unknown();
        let reader = planned.wants_reader() || planned.reader.is_unknown();
        let pick = |wanted: bool| if wanted { Value::Unknown } else { Value::Null };
        for v in [
            &mut planned.security_group_id,
            &mut planned.client_security_group_id,
            &mut planned.db_subnet_group_name,
            &mut planned.endpoint,
            &mut planned.master_user_secret_arn,
        ] {
            *v = Value::Unknown;
        }
        // The client group is made with the database: the rules admitting it are known then.
        planned.ingress_rules = Value::Unknown;
        for v in [
            &mut planned.cluster_identifier,
            &mut planned.cluster_arn,
            &mut planned.reader_endpoint,
            &mut planned.writer_identifier,
            &mut planned.writer_arn,
        ] {
            *v = pick(aurora);
        }
        for v in [&mut planned.reader_identifier, &mut planned.reader_arn] {
            *v = pick(aurora && reader);
        }
        for v in [&mut planned.instance_identifier, &mut planned.instance_arn] {
            *v = pick(postgres);
        }
        for v in [&mut planned.engine_version, &mut planned.kms_key_id] {
            if v.is_null() {
                *v = Value::Unknown;
            }
        }
        // The write-only way has no managed secret.
        if planned.write_only_password() {
            planned.master_user_secret_arn = Value::Null;
        }
    }

    fn plan_update(
        &self,
        prior: &Self::State,
        planned: &mut Self::State,
        clients: Option<&AwsClients>,
        diags: &mut Diagnostics,
    ) -> Vec<AttributePath> {
        // The version the database already runs is accepted whatever it is (an imported
        // database's, an emulator's default): only a change to another version is checked.
        if known(&planned.engine_version) != known(&prior.engine_version) {
            refuse_unoffered_version(planned, diags);
        }
        derive(planned, known(&prior.profile), clients);
        // The endpoint, port and secret come from whichever main child the engine has: when
        // it is to be made again, they will change.
        // So do they when a create was interrupted before the main child was available (it is
        // recorded, its endpoint not yet): the resumed apply records them.
        let main_gone = if planned.postgres() {
            prior.instance_identifier.is_null()
        } else {
            prior.cluster_identifier.is_null()
        } || prior.endpoint.is_null();
        if main_gone {
            planned.endpoint = Value::Unknown;
            planned.master_user_secret_arn = Value::Unknown;
        }
        // Switching ways: RDS makes (or deletes) the managed secret.
        let was_write_only = prior.settings_say_managed() == Some(false);
        if planned.write_only_password() {
            planned.master_user_secret_arn = Value::Null;
        } else if was_write_only {
            planned.master_user_secret_arn = Value::Unknown;
        }
        Vec::new()
    }

    fn timeouts_block<'s>(&self, state: &'s Self::State) -> &'s Value<TimeoutsValue> {
        &state.timeouts
    }

    fn children(&self) -> Vec<Box<dyn ChildOps<Self::State>>> {
        vec![
            Box::new(subnet_group::SubnetGroup),
            Box::new(client_security_group::ClientSecurityGroup),
            Box::new(security_group::SecurityGroup),
            Box::new(cluster::Cluster),
            Box::new(cluster_instance::ClusterInstance::Writer),
            Box::new(cluster_instance::ClusterInstance::Reader),
            Box::new(instance::Instance),
        ]
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Self::State, CompositeError> {
        if declaration::db_name(id).is_err() {
            return Err(CompositeError::new(
                "Invalid import id",
                format!("expected the cluster or instance identifier (NAME), got \"{id}\""),
            ));
        }
        let mut s = match cluster::import(ctx, id).await? {
            Some(s) => s,
            None => match instance::import(ctx, id).await? {
                Some(s) => s,
                None => {
                    return Err(CompositeError::new(
                        "Cannot import",
                        format!("no Aurora cluster or RDS instance \"{id}\" exists"),
                    ))
                }
            },
        };
        s.name = Value::Value(id.to_string());
        s.id = Value::Value(id.to_string());
        // The ids are known: read every child (rules, settings, subnets).
        let read = self.read(ctx, s).await?.ok_or_else(|| {
            CompositeError::new(
                "Cannot import",
                format!("\"{id}\" vanished while importing"),
            )
        })?;
        let mut s = read;
        subnet_group::import_inputs(ctx, &mut s).await?;
        // The client group is found by name in the VPC the subnets gave.
        s.client_security_group_id = client_security_group::find(ctx, &s)
            .await?
            .map_or(Value::Null, Value::Value);
        security_group::import_inputs(&mut s);
        let defaults = ctx.clients.default_tags();
        let user: BTreeMap<String, String> = entries(&s.tags)
            .into_iter()
            .filter(|(k, v)| !k.starts_with("blueprint:") && defaults.get(k) != Some(v))
            .collect();
        s.tags = if user.is_empty() {
            Value::Null
        } else {
            map(user)
        };
        let mut all = defaults.clone();
        all.extend(entries(&s.tags));
        s.tags_all = map(all);
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(profile: &str, engine: &str) -> DatabaseState {
        DatabaseState {
            name: Value::Value("db".into()),
            profile: Value::Value(profile.into()),
            engine: Value::Value(engine.into()),
            allowed_security_group_ids: list(vec!["sg-0123abcd".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn profiles_fill_what_is_left_out() {
        let mut dev = planned("dev", AURORA);
        derive(&mut dev, None, None);
        assert_eq!(dev.backup_retention_days, Value::Value(3));
        assert_eq!(dev.deletion_protection, Value::Value(false));
        assert_eq!(dev.min_capacity, Value::Value(0.5));
        assert_eq!(dev.reader, Value::Value(false));
        assert_eq!(dev.instance_class, Value::Value("db.serverless".into()));
        assert_eq!(dev.allocated_storage, Value::Null);
        let mut prod = planned("prod", POSTGRES);
        prod.backup_retention_days = Value::Value(21);
        derive(&mut prod, None, None);
        assert_eq!(prod.backup_retention_days, Value::Value(21));
        assert_eq!(prod.deletion_protection, Value::Value(true));
        assert_eq!(prod.skip_final_snapshot, Value::Value(false));
        assert_eq!(prod.instance_class, Value::Value("db.t4g.medium".into()));
        assert_eq!(prod.min_capacity, Value::Null);
        assert_eq!(
            prod.ingress_rules,
            list(vec!["tcp 5432-5432 sg-0123abcd".into()])
        );
        let settings = entries(&prod.settings);
        assert_eq!(settings["backup_retention_period"], "21");
        assert_eq!(settings["publicly_accessible"], "false");
    }

    #[test]
    fn a_profile_change_moves_the_defaults_but_not_what_was_set() {
        let mut s = planned("dev", AURORA);
        derive(&mut s, None, None);
        s.deletion_protection = Value::Value(true); // set in the configuration
        s.profile = Value::Value("prod".into());
        derive(&mut s, Some("dev"), None);
        assert_eq!(s.backup_retention_days, Value::Value(14));
        assert_eq!(s.max_capacity, Value::Value(4.0));
        assert_eq!(s.reader, Value::Value(true));
        assert_eq!(s.deletion_protection, Value::Value(true));
    }

    #[test]
    fn cross_field_checks_name_the_attribute() {
        let mut c = planned("dev", POSTGRES);
        c.min_capacity = Value::Value(1.0);
        c.instance_class = Value::Value("db.serverless".into());
        let mut diags = Diagnostics::default();
        Database.validate(&c, &mut diags);
        let paths: Vec<AttributePath> = diags.errors.iter().map(|e| e.attribute.clone()).collect();
        assert!(
            paths.contains(&AttributePath::new("min_capacity")),
            "{paths:?}"
        );
        assert!(
            paths.contains(&AttributePath::new("instance_class")),
            "{paths:?}"
        );
        let mut c = planned("dev", AURORA);
        c.min_capacity = Value::Value(0.7);
        c.max_capacity = Value::Value(4.0);
        c.allocated_storage = Value::Value(20);
        let mut diags = Diagnostics::default();
        Database.validate(&c, &mut diags);
        let paths: Vec<AttributePath> = diags.errors.iter().map(|e| e.attribute.clone()).collect();
        assert_eq!(
            paths,
            [
                AttributePath::new("min_capacity"),
                AttributePath::new("allocated_storage")
            ]
        );
        let mut c = planned("dev", AURORA);
        c.min_capacity = Value::Value(4.0);
        c.max_capacity = Value::Value(2.0);
        let mut diags = Diagnostics::default();
        Database.validate(&c, &mut diags);
        assert_eq!(diags.errors.len(), 1);
        assert_eq!(
            diags.errors[0].attribute,
            AttributePath::new("max_capacity")
        );
    }

    /// The write-only password needs its version and the version needs the password, each
    /// refused on `master_password_wo_version`; the password is sent at create, on a new
    /// version and on a switch from the managed secret, never otherwise; `Debug` hides it.
    #[test]
    fn the_write_only_password_goes_with_its_version() {
        let password = "correct-horse-battery";
        let paths = |c: &DatabaseState| {
            let mut diags = Diagnostics::default();
            Database.validate(c, &mut diags);
            diags
                .errors
                .iter()
                .map(|e| e.attribute.clone())
                .collect::<Vec<_>>()
        };
        let mut c = planned("dev", AURORA);
        c.master_password_wo = WriteOnly(Value::Value(password.into()));
        assert_eq!(
            paths(&c),
            [AttributePath::new("master_password_wo_version")]
        );
        c.master_password_wo_version = Value::Value(1);
        assert!(paths(&c).is_empty());
        let mut without = planned("dev", AURORA);
        without.master_password_wo_version = Value::Value(1);
        assert_eq!(
            paths(&without),
            [AttributePath::new("master_password_wo_version")]
        );

        derive(&mut c, None, None);
        assert_eq!(entries(&c.settings)["manage_master_user_password"], "false");
        assert_eq!(c.password_to_send(None), Some(password));
        let mut prior = c.clone();
        prior.master_password_wo = WriteOnly(Value::Null);
        assert_eq!(c.password_to_send(Some(&prior)), None);
        let mut next = c.clone();
        next.master_password_wo_version = Value::Value(2);
        assert_eq!(next.password_to_send(Some(&prior)), Some(password));
        let mut managed = prior.clone();
        managed.observe(
            [(
                "manage_master_user_password".to_string(),
                "true".to_string(),
            )]
            .into(),
        );
        assert_eq!(c.password_to_send(Some(&managed)), Some(password));
        assert!(!format!("{c:?}").contains(password));
    }

    /// An engine version whose major RDS does not offer for the engine fails at plan, on
    /// `engine_version`; a known one passes.
    #[test]
    fn unknown_engine_versions_are_refused() {
        for (engine, version, ok) in [
            (AURORA, "16.4", true),
            (POSTGRES, "17", true),
            (AURORA, "42.1", false),
            (POSTGRES, "9.6.22", false),
        ] {
            let mut c = planned("dev", engine);
            c.engine_version = Value::Value(version.into());
            let mut diags = Diagnostics::default();
            Database.plan_create(&mut c, None, &mut diags);
            let paths: Vec<AttributePath> =
                diags.errors.iter().map(|e| e.attribute.clone()).collect();
            assert_eq!(
                paths.contains(&AttributePath::new("engine_version")),
                !ok,
                "{engine} {version}: {paths:?}"
            );
        }
    }

    /// Issue 21 (`import {}` with `-generate-config-out`): the version an existing database
    /// runs is accepted whatever it is (moto's default RDS PostgreSQL is 9.3.3), so a
    /// configuration generated from its state plans; changing to an unoffered one is refused.
    #[test]
    fn the_version_a_database_runs_is_accepted_a_change_is_checked() {
        let mut prior = planned("dev", POSTGRES);
        prior.engine_version = Value::Value("9.3.3".into());
        for (version, ok) in [("9.3.3", true), ("9.6.22", false), ("16", true)] {
            let mut c = prior.clone();
            c.engine_version = Value::Value(version.into());
            let mut diags = Diagnostics::default();
            Database.plan_update(&prior, &mut c, None, &mut diags);
            let refused = diags
                .errors
                .iter()
                .any(|e| e.attribute == AttributePath::new("engine_version"));
            assert_eq!(refused, !ok, "{version}: {:?}", diags.errors);
        }
    }
}
