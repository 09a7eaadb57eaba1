//! The S3 bucket kind: every bucket a composite builds (the state bucket, the load balancer's
//! access-log bucket, the pipeline's data buckets) is made, read, converged and deleted here.
//!
//! - **Spec** ([`BucketSpec`]): versioning, default encryption, the four public-access-block
//!   settings, object ownership, the bucket policy (the composite's statements plus, where the
//!   endpoint allows it, the statement denying plain HTTP), lifecycle rules. A read reports
//!   the same type.
//! - **Find first**: HeadBucket, then the tags. CreateBucket is never the test of existence: in
//!   us-east-1 it answers 200 for a bucket the account already owns, so a create that relied on
//!   it would take over someone else's bucket.
//! - **Create** is CreateBucket alone (S3 takes no tags at creation); [`super::ensure_recording`]
//!   records the name at once and brings tags (first, so an interrupted create is adoptable)
//!   and settings in line.
//! - **Delete** empties the bucket when asked ([`S3Bucket::empty_on_delete`]): up to 1,000
//!   versions per DeleteObjects call, each refused key named in the error, bounded by the
//!   operation's deadline and the stop signal ([`empty`]).

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, CreateBucketConfiguration,
    ExpirationStatus, LifecycleExpiration, LifecycleRuleFilter, NoncurrentVersionExpiration,
    ObjectIdentifier, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Transition,
    TransitionStorageClass, VersioningConfiguration,
};

use super::ownership::{not_ours, owned};
use super::{Kind, Lookup, Tags};
use crate::clients::{error_code, AwsClients};
use crate::composite::{retry, Attempt, CompositeError, Ctx, Deadline, RetryPolicy};

/// S3 error codes the kind compares against.
pub mod code {
    /// The bucket does not exist.
    pub const NO_SUCH_BUCKET: &str = "NoSuchBucket";
    /// CreateBucket of a bucket this account owns (outside us-east-1).
    pub const BUCKET_ALREADY_OWNED_BY_YOU: &str = "BucketAlreadyOwnedByYou";
    /// CreateBucket of a name another account holds.
    pub const BUCKET_ALREADY_EXISTS: &str = "BucketAlreadyExists";
    /// DeleteBucket of a bucket that still holds object versions.
    pub const BUCKET_NOT_EMPTY: &str = "BucketNotEmpty";
    /// A conflicting operation on the bucket is in progress (e.g. right after creation).
    pub const OPERATION_ABORTED: &str = "OperationAborted";
    /// The bucket has no tags.
    pub const NO_SUCH_TAG_SET: &str = "NoSuchTagSet";
    /// The bucket has no default encryption.
    pub const NO_ENCRYPTION: &str = "ServerSideEncryptionConfigurationNotFoundError";
    /// The bucket has no lifecycle configuration.
    pub const NO_SUCH_LIFECYCLE: &str = "NoSuchLifecycleConfiguration";
    /// The bucket has no policy.
    pub const NO_SUCH_BUCKET_POLICY: &str = "NoSuchBucketPolicy";
    /// The bucket has no public access block.
    pub const NO_PUBLIC_ACCESS_BLOCK: &str = "NoSuchPublicAccessBlockConfiguration";
    /// The bucket has no ownership controls.
    pub const NO_OWNERSHIP_CONTROLS: &str = "OwnershipControlsNotFoundError";
}

/// Sid of the statement denying plain-HTTP access.
pub const TLS_SID: &str = "BlueprintDenyInsecureTransport";

/// At most this many object versions go in one DeleteObjects call (S3's limit), and a
/// ListObjectVersions page holds at most as many.
pub const DELETE_BATCH: usize = 1000;

/// Whether the TLS-only statement can be applied: not when S3 is reached over plain HTTP (a
/// local AWS-compatible endpoint), where it would deny every request, the provider's own
/// included. Keyed off the configured endpoint's scheme only.
pub fn tls_policy_applies(clients: Option<&AwsClients>) -> bool {
    !clients
        .and_then(|c| c.endpoint("s3"))
        .is_some_and(|e| e.starts_with("http://"))
}

/// Bucket versioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioning {
    /// Every overwrite keeps the previous version.
    Enabled,
    /// Was enabled, now suspended (a bucket never goes back to `Off`).
    Suspended,
    /// Never enabled.
    Off,
}

impl Versioning {
    /// As S3 reports it (`Off` reads `Disabled`, as the state backend has always recorded it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "Enabled",
            Self::Suspended => "Suspended",
            Self::Off => "Disabled",
        }
    }
}

/// Default encryption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// None configured.
    None,
    /// SSE-S3.
    Aes256,
    /// SSE-KMS with this key (the account's AWS-managed key when `None`); written with the
    /// bucket key on.
    Kms {
        /// Key id or ARN.
        key: Option<String>,
    },
    /// Another algorithm (`aws:kms:dsse`...), as S3 names it.
    Other(String),
}

impl Encryption {
    /// The algorithm as S3 names it (`""` for none).
    pub fn algorithm(&self) -> &str {
        match self {
            Self::None => "",
            Self::Aes256 => "AES256",
            Self::Kms { .. } => "aws:kms",
            Self::Other(a) => a,
        }
    }
}

/// The four public-access-block settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublicAccessBlock {
    /// BlockPublicAcls.
    pub block_public_acls: bool,
    /// IgnorePublicAcls.
    pub ignore_public_acls: bool,
    /// BlockPublicPolicy.
    pub block_public_policy: bool,
    /// RestrictPublicBuckets.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// All four on.
    pub const ALL: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    /// Whether all four are on.
    pub fn all(&self) -> bool {
        *self == Self::ALL
    }

    /// Whether none is on (what a bucket without a block reads).
    pub fn none(&self) -> bool {
        *self == Self::default()
    }
}

/// The bucket policy: the composite's own statements, then (when `deny_insecure_transport`)
/// the statement denying plain HTTP on the bucket and its objects. No statement: no policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// Statements in order (a read reports every statement but the TLS one here).
    pub statements: Vec<serde_json::Value>,
    /// Whether the TLS-only statement is there.
    pub deny_insecure_transport: bool,
}

impl Policy {
    /// The document to put, `None` for no policy.
    pub fn document(&self, partition: &str, bucket: &str) -> Option<String> {
        let mut statements = self.statements.clone();
        if self.deny_insecure_transport {
            statements.push(tls_statement(partition, bucket));
        }
        if statements.is_empty() {
            return None;
        }
        Some(serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string())
    }

    /// A document as read: every statement denying plain HTTP counts as the TLS one; an
    /// unreadable document is kept whole as one statement (so it never equals a wanted one).
    pub fn parse(doc: &str) -> Self {
        let Ok(parsed) = serde_json::from_str::<serde_json::Value>(doc) else {
            return Self {
                statements: vec![serde_json::Value::String(doc.to_string())],
                deny_insecure_transport: false,
            };
        };
        let all = match &parsed["Statement"] {
            serde_json::Value::Array(a) => a.clone(),
            s @ serde_json::Value::Object(_) => vec![s.clone()],
            _ => Vec::new(),
        };
        let (tls, statements): (Vec<_>, Vec<_>) = all.into_iter().partition(denies_plain_http);
        Self {
            statements,
            deny_insecure_transport: !tls.is_empty(),
        }
    }
}

/// The statement denying every request not made over TLS.
pub fn tls_statement(partition: &str, bucket: &str) -> serde_json::Value {
    let arn = format!("arn:{partition}:s3:::{bucket}");
    serde_json::json!({
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, format!("{arn}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    })
}

fn denies_plain_http(s: &serde_json::Value) -> bool {
    s["Effect"] == "Deny"
        && s["Condition"]["Bool"]["aws:SecureTransport"]
            .as_str()
            .is_some_and(|v| v.eq_ignore_ascii_case("false"))
}

/// One lifecycle rule (enabled or not, on a key prefix). Features outside these (tag or size
/// filters, other storage classes) are not modelled: a read leaves them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleRule {
    /// Rule id.
    pub id: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Key prefix it applies to (`""`: every object).
    pub prefix: String,
    /// Move current versions to GLACIER after this many days.
    pub glacier_transition_days: Option<i32>,
    /// Expire noncurrent versions after this many days.
    pub noncurrent_version_expiration_days: Option<i32>,
    /// Expire current versions after this many days.
    pub expiration_days: Option<i32>,
}

impl LifecycleRule {
    /// An enabled rule `id` on every object, with nothing in it yet.
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_string(),
            enabled: true,
            prefix: String::new(),
            glacier_transition_days: None,
            noncurrent_version_expiration_days: None,
            expiration_days: None,
        }
    }

    fn to_sdk(&self) -> Result<aws_sdk_s3::types::LifecycleRule, CompositeError> {
        let mut rule = aws_sdk_s3::types::LifecycleRule::builder()
            .id(&self.id)
            .status(if self.enabled {
                ExpirationStatus::Enabled
            } else {
                ExpirationStatus::Disabled
            })
            .filter(LifecycleRuleFilter::builder().prefix(&self.prefix).build());
        if let Some(days) = self.glacier_transition_days {
            rule = rule.transitions(
                Transition::builder()
                    .days(days)
                    .storage_class(TransitionStorageClass::Glacier)
                    .build(),
            );
        }
        if let Some(days) = self.noncurrent_version_expiration_days {
            rule = rule.noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(days)
                    .build(),
            );
        }
        if let Some(days) = self.expiration_days {
            rule = rule.expiration(LifecycleExpiration::builder().days(days).build());
        }
        rule.build().map_err(built)
    }

    fn from_sdk(r: &aws_sdk_s3::types::LifecycleRule) -> Self {
        #[allow(deprecated)]
        let legacy_prefix = r.prefix();
        Self {
            id: r.id().unwrap_or_default().to_string(),
            enabled: *r.status() == ExpirationStatus::Enabled,
            prefix: r
                .filter()
                .and_then(|f| f.prefix())
                .or(legacy_prefix)
                .unwrap_or_default()
                .to_string(),
            glacier_transition_days: r
                .transitions()
                .iter()
                .find(|t| t.storage_class() == Some(&TransitionStorageClass::Glacier))
                .and_then(|t| t.days()),
            noncurrent_version_expiration_days: r
                .noncurrent_version_expiration()
                .and_then(|n| n.noncurrent_days()),
            expiration_days: r.expiration().and_then(|e| e.days()),
        }
    }
}

/// What a composite wants of a bucket, and what a read reports, in one type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSpec {
    /// The bucket name.
    pub name: String,
    /// Versioning.
    pub versioning: Versioning,
    /// Default encryption.
    pub encryption: Encryption,
    /// Public access block.
    pub public_access_block: PublicAccessBlock,
    /// Object ownership (`None`: no ownership controls).
    pub object_ownership: Option<ObjectOwnership>,
    /// Bucket policy.
    pub policy: Policy,
    /// Lifecycle rules (none: no lifecycle configuration).
    pub lifecycle: Vec<LifecycleRule>,
}

impl BucketSpec {
    /// What every Blueprint bucket has unless its composite says otherwise: versioning, SSE-S3,
    /// all four public-access blocks, ACLs off (bucket owner enforced), plain HTTP denied
    /// where the endpoint allows it ([`tls_policy_applies`]), no lifecycle.
    pub fn secure(name: &str, clients: &AwsClients) -> Self {
        Self {
            name: name.to_string(),
            versioning: Versioning::Enabled,
            encryption: Encryption::Aes256,
            public_access_block: PublicAccessBlock::ALL,
            object_ownership: Some(ObjectOwnership::BucketOwnerEnforced),
            policy: Policy {
                statements: Vec::new(),
                deny_insecure_transport: tls_policy_applies(Some(clients)),
            },
            lifecycle: Vec::new(),
        }
    }

    /// The rule `id`, if there is one.
    pub fn rule(&self, id: &str) -> Option<&LifecycleRule> {
        self.lifecycle.iter().find(|r| r.id == id)
    }
}

/// The bucket's ARN.
pub fn arn(clients: &AwsClients, bucket: &str) -> String {
    format!("arn:{}:s3:::{bucket}", clients.partition())
}

fn built(e: impl std::fmt::Display) -> CompositeError {
    CompositeError::new("Building an S3 request", e.to_string())
}

/// An error of a call on a bucket that may not be visible yet (just created): retried.
fn not_yet<E, R>(
    what: String,
    err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> Attempt
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let c = error_code(&err);
    let e = CompositeError::aws(what, &err);
    match c.as_deref() {
        Some(code::NO_SUCH_BUCKET) | Some(code::OPERATION_ABORTED) => Attempt::Retry(e),
        _ => Attempt::Fail(e),
    }
}

/// `Ok(None)` when `r` failed with the code `absent` (the setting is not configured).
fn unless_absent<T, E, R>(
    r: Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
    absent: &str,
    what: impl Into<String>,
) -> Result<Option<T>, CompositeError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if error_code(&e).as_deref() == Some(absent) => Ok(None),
        Err(e) => Err(CompositeError::aws(what, &e)),
    }
}

/// Send one call (`what` describes it) on a bucket that may not be visible yet (just
/// created): retried within the deadline while S3 says so ([`not_yet`]).
pub(super) async fn sent<T, E, R, F, Fut>(
    ctx: &Ctx,
    what: String,
    mut send: F,
) -> Result<(), CompositeError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
        Output = Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
    >,
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let lowered = what.to_lowercase();
    retry(&ctx.deadline, &lowered, RetryPolicy::default(), || {
        let call = send();
        let what = what.clone();
        async move { call.await.map(|_| ()).map_err(|e| not_yet(what, e)) }
    })
    .await
}

/// The default-encryption configuration of `wanted`.
fn encryption_config(
    bucket: &str,
    wanted: &Encryption,
) -> Result<ServerSideEncryptionConfiguration, CompositeError> {
    let (algorithm, key) = match wanted {
        Encryption::Aes256 => (ServerSideEncryption::Aes256, None),
        Encryption::Kms { key } => (ServerSideEncryption::AwsKms, key.clone()),
        Encryption::Other(a) => (ServerSideEncryption::from(a.as_str()), None),
        Encryption::None => {
            return Err(CompositeError::new(
                format!("Bucket \"{bucket}\" cannot be left unencrypted"),
                "S3 encrypts every bucket; a bucket spec names SSE-S3 or SSE-KMS. Please report this to the provider's maintainers.",
            ))
        }
    };
    let kms = algorithm == ServerSideEncryption::AwsKms;
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(algorithm)
        .set_kms_master_key_id(key)
        .build()
        .map_err(built)?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default)
        .bucket_key_enabled(kms)
        .build();
    ServerSideEncryptionConfiguration::builder()
        .rules(rule)
        .build()
        .map_err(built)
}

/// Where HeadBucket found the name.
enum Head {
    /// Here, reachable with these credentials.
    Here,
    /// Nowhere.
    Absent,
    /// Held by another account (403): bucket names are global.
    OtherAccount,
    /// In another region of this account (301).
    OtherRegion,
}

async fn head(ctx: &Ctx, bucket: &str) -> Result<Head, CompositeError> {
    match ctx.clients.s3().head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(Head::Here),
        Err(err) => {
            let status = err.raw_response().map(|r| r.status().as_u16());
            if status == Some(404) || err.as_service_error().is_some_and(|e| e.is_not_found()) {
                return Ok(Head::Absent);
            }
            match status {
                Some(403) => Ok(Head::OtherAccount),
                Some(301) => Ok(Head::OtherRegion),
                _ => Err(CompositeError::aws(
                    format!("Reading bucket \"{bucket}\""),
                    &err,
                )),
            }
        }
    }
}

/// The error for a name another AWS account holds.
fn taken(bucket: &str) -> CompositeError {
    CompositeError::new(
        format!("S3 bucket \"{bucket}\" already exists"),
        format!("the name \"{bucket}\" is held by another AWS account (bucket names are global across accounts), so it was not made by this resource and is left alone; choose another name"),
    )
}

/// Whether bucket `bucket` exists here; a bucket of that name held by another account or in
/// another region is an error, not "gone".
pub async fn exists(ctx: &Ctx, bucket: &str) -> Result<bool, CompositeError> {
    match head(ctx, bucket).await? {
        Head::Here => Ok(true),
        Head::Absent => Ok(false),
        Head::OtherAccount => Err(taken(bucket)),
        Head::OtherRegion => Err(CompositeError::new(
            format!("Reading bucket \"{bucket}\""),
            format!(
                "the bucket is in another region than the provider's ({})",
                ctx.clients.region()
            ),
        )),
    }
}

/// The bucket's tags (none: empty).
pub async fn tags_of(ctx: &Ctx, bucket: &str) -> Result<Tags, CompositeError> {
    let out = unless_absent(
        ctx.clients
            .s3()
            .get_bucket_tagging()
            .bucket(bucket)
            .send()
            .await,
        code::NO_SUCH_TAG_SET,
        format!("Reading the tags of bucket \"{bucket}\""),
    )?;
    Ok(out
        .map(|o| {
            o.tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        })
        .unwrap_or_default())
}

/// Whether the bucket holds any object version or delete marker (a missing bucket holds none).
pub async fn holds_objects(ctx: &Ctx, bucket: &str) -> Result<bool, CompositeError> {
    let out = unless_absent(
        ctx.clients
            .s3()
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1)
            .send()
            .await,
        code::NO_SUCH_BUCKET,
        format!("Listing bucket \"{bucket}\""),
    )?;
    Ok(out.is_some_and(|o| !o.versions().is_empty() || !o.delete_markers().is_empty()))
}

/// The error for a bucket that still holds objects and may not be emptied.
pub fn not_empty(bucket: &str) -> CompositeError {
    CompositeError::new(
        format!("Bucket \"{bucket}\" is not empty"),
        format!("bucket \"{bucket}\" still holds objects, so it was not deleted. Move them, or set force_destroy = true (and apply) to delete every version with the bucket."),
    )
}

/// The S3 bucket kind. Its id is the bucket name.
#[derive(Debug, Clone, Copy, Default)]
pub struct S3Bucket {
    /// Delete every object version before the bucket (`force_destroy`); otherwise a bucket
    /// holding objects is refused with [`not_empty`].
    pub empty_on_delete: bool,
}

impl S3Bucket {
    /// The kind, emptying on delete when `empty_on_delete`.
    pub fn new(empty_on_delete: bool) -> Self {
        Self { empty_on_delete }
    }
}

#[async_trait]
impl Kind for S3Bucket {
    type Spec = BucketSpec;
    type Id = String;

    const TERRAFORM_TYPE: &'static str = "aws_s3_bucket";
    // CreateBucket takes no tags. (moto also keeps a deleted bucket's tags for a new bucket
    // of the same name, so comparing first would skip the write there.)
    const TAGS_AT_CREATE: bool = false;

    async fn find(
        &self,
        ctx: &Ctx,
        spec: &BucketSpec,
        owner: &str,
    ) -> Result<Lookup<String>, CompositeError> {
        let what = format!("S3 bucket \"{}\"", spec.name);
        match head(ctx, &spec.name).await? {
            Head::Absent => Ok(Lookup::Absent),
            Head::OtherAccount => Err(taken(&spec.name)),
            Head::OtherRegion => {
                let mut err = not_ours(&what, owner);
                err.detail = format!(
                    "{what} is in another region than the provider's ({}). {}",
                    ctx.clients.region(),
                    err.detail
                );
                Err(err)
            }
            Head::Here => {
                let tags = tags_of(ctx, &spec.name).await?;
                if owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), owner) {
                    Ok(Lookup::Ours(spec.name.clone()))
                } else {
                    Err(not_ours(&what, owner))
                }
            }
        }
    }

    /// CreateBucket alone, in the configured region: S3 takes no tags at creation, so the
    /// tags and settings come from [`super::converge`] once the name is recorded.
    async fn create(
        &self,
        ctx: &Ctx,
        spec: &BucketSpec,
        _tags: &Tags,
    ) -> Result<String, CompositeError> {
        let bucket = &spec.name;
        let region = ctx.clients.region();
        let mut req = ctx.clients.s3().create_bucket().bucket(bucket);
        if region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(region.as_str().into())
                    .build(),
            );
        }
        match req.send().await {
            Ok(_) => Ok(bucket.clone()),
            // A retried CreateBucket whose first attempt went through (find, just before,
            // saw no bucket).
            Err(e) if error_code(&e).as_deref() == Some(code::BUCKET_ALREADY_OWNED_BY_YOU) => {
                Ok(bucket.clone())
            }
            Err(e) if error_code(&e).as_deref() == Some(code::BUCKET_ALREADY_EXISTS) => {
                Err(taken(bucket))
            }
            Err(e) => Err(CompositeError::aws(
                format!("Creating S3 bucket \"{bucket}\""),
                &e,
            )),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx,
        bucket: &String,
    ) -> Result<Option<(BucketSpec, Tags)>, CompositeError> {
        if !exists(ctx, bucket).await? {
            return Ok(None);
        }
        let s3 = ctx.clients.s3();
        let reading = |what: &str| format!("Reading the {what} of bucket \"{bucket}\"");

        let versioning = s3
            .get_bucket_versioning()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| CompositeError::aws(reading("versioning"), &e))?;
        let versioning = match versioning.status() {
            Some(BucketVersioningStatus::Enabled) => Versioning::Enabled,
            Some(BucketVersioningStatus::Suspended) => Versioning::Suspended,
            _ => Versioning::Off,
        };

        let sse = unless_absent(
            s3.get_bucket_encryption().bucket(bucket).send().await,
            code::NO_ENCRYPTION,
            reading("encryption"),
        )?;
        let default = sse
            .as_ref()
            .and_then(|o| o.server_side_encryption_configuration())
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default());
        let encryption = match default {
            None => Encryption::None,
            Some(d) => match d.sse_algorithm() {
                ServerSideEncryption::Aes256 => Encryption::Aes256,
                ServerSideEncryption::AwsKms => Encryption::Kms {
                    key: d.kms_master_key_id().map(str::to_string),
                },
                other => Encryption::Other(other.as_str().to_string()),
            },
        };

        let pab = unless_absent(
            s3.get_public_access_block().bucket(bucket).send().await,
            code::NO_PUBLIC_ACCESS_BLOCK,
            reading("public access block"),
        )?;
        let public_access_block = pab
            .as_ref()
            .and_then(|o| o.public_access_block_configuration())
            .map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls() == Some(true),
                ignore_public_acls: c.ignore_public_acls() == Some(true),
                block_public_policy: c.block_public_policy() == Some(true),
                restrict_public_buckets: c.restrict_public_buckets() == Some(true),
            })
            .unwrap_or_default();

        let ownership = unless_absent(
            s3.get_bucket_ownership_controls()
                .bucket(bucket)
                .send()
                .await,
            code::NO_OWNERSHIP_CONTROLS,
            reading("object ownership"),
        )?;
        let object_ownership = ownership
            .as_ref()
            .and_then(|o| o.ownership_controls())
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().clone());

        let policy = unless_absent(
            s3.get_bucket_policy().bucket(bucket).send().await,
            code::NO_SUCH_BUCKET_POLICY,
            reading("policy"),
        )?;
        let policy = policy
            .as_ref()
            .and_then(|o| o.policy())
            .map(Policy::parse)
            .unwrap_or_default();

        let lifecycle = unless_absent(
            s3.get_bucket_lifecycle_configuration()
                .bucket(bucket)
                .send()
                .await,
            code::NO_SUCH_LIFECYCLE,
            reading("lifecycle"),
        )?;
        let lifecycle = lifecycle
            .as_ref()
            .map(|o| o.rules().iter().map(LifecycleRule::from_sdk).collect())
            .unwrap_or_default();

        let tags = tags_of(ctx, bucket).await?;
        Ok(Some((
            BucketSpec {
                name: bucket.clone(),
                versioning,
                encryption,
                public_access_block,
                object_ownership,
                policy,
                lifecycle,
            },
            tags,
        )))
    }

    /// Each setting that differs is written (or removed) on its own.
    async fn update(
        &self,
        ctx: &Ctx,
        bucket: &String,
        observed: &BucketSpec,
        wanted: &BucketSpec,
    ) -> Result<(), CompositeError> {
        let s3 = ctx.clients.s3();
        let on = |what: &str| format!("{what} of bucket \"{bucket}\"");

        if observed.public_access_block != wanted.public_access_block {
            let p = wanted.public_access_block;
            let config = PublicAccessBlockConfiguration::builder()
                .block_public_acls(p.block_public_acls)
                .ignore_public_acls(p.ignore_public_acls)
                .block_public_policy(p.block_public_policy)
                .restrict_public_buckets(p.restrict_public_buckets)
                .build();
            let put = || {
                let call = s3.put_public_access_block().bucket(bucket);
                call.public_access_block_configuration(config.clone())
                    .send()
            };
            sent(ctx, on("Setting the public access block"), put).await?;
        }

        if observed.object_ownership != wanted.object_ownership {
            let what = on("Setting the object ownership");
            match &wanted.object_ownership {
                Some(o) => {
                    let rule = OwnershipControlsRule::builder().object_ownership(o.clone());
                    let controls = OwnershipControls::builder()
                        .rules(rule.build().map_err(built)?)
                        .build()
                        .map_err(built)?;
                    let put = || {
                        let call = s3.put_bucket_ownership_controls().bucket(bucket);
                        call.ownership_controls(controls.clone()).send()
                    };
                    sent(ctx, what, put).await?;
                }
                None => {
                    let delete = || s3.delete_bucket_ownership_controls().bucket(bucket).send();
                    sent(ctx, what, delete).await?;
                }
            }
        }

        let versioning = match (observed.versioning, wanted.versioning) {
            (a, b) if a == b => None,
            (_, Versioning::Enabled) => Some(BucketVersioningStatus::Enabled),
            // A bucket never goes back to unversioned: suspending is the nearest.
            (Versioning::Enabled, _) => Some(BucketVersioningStatus::Suspended),
            _ => None,
        };
        if let Some(status) = versioning {
            let config = VersioningConfiguration::builder().status(status).build();
            let put = || {
                let call = s3.put_bucket_versioning().bucket(bucket);
                call.versioning_configuration(config.clone()).send()
            };
            sent(ctx, on("Setting the versioning"), put).await?;
        }

        if observed.encryption != wanted.encryption {
            let config = encryption_config(bucket, &wanted.encryption)?;
            let put = || {
                let call = s3.put_bucket_encryption().bucket(bucket);
                call.server_side_encryption_configuration(config.clone())
                    .send()
            };
            sent(ctx, on("Setting the default encryption"), put).await?;
        }

        if observed.policy != wanted.policy {
            let what = on("Setting the policy");
            match wanted.policy.document(ctx.clients.partition(), bucket) {
                Some(doc) => {
                    let put = || s3.put_bucket_policy().bucket(bucket).policy(&doc).send();
                    sent(ctx, what, put).await?;
                }
                None => {
                    let delete = || s3.delete_bucket_policy().bucket(bucket).send();
                    sent(ctx, what, delete).await?;
                }
            }
        }

        if observed.lifecycle != wanted.lifecycle {
            let what = on("Setting the lifecycle");
            if wanted.lifecycle.is_empty() {
                let delete = || s3.delete_bucket_lifecycle().bucket(bucket).send();
                sent(ctx, what, delete).await?;
            } else {
                let rules = wanted.lifecycle.iter().map(LifecycleRule::to_sdk);
                let config = BucketLifecycleConfiguration::builder()
                    .set_rules(Some(rules.collect::<Result<Vec<_>, _>>()?))
                    .build()
                    .map_err(built)?;
                let put = || {
                    let call = s3.put_bucket_lifecycle_configuration().bucket(bucket);
                    call.lifecycle_configuration(config.clone()).send()
                };
                sent(ctx, what, put).await?;
            }
        }
        Ok(())
    }

    async fn set_tags(
        &self,
        ctx: &Ctx,
        bucket: &String,
        _observed: &Tags,
        wanted: &Tags,
    ) -> Result<(), CompositeError> {
        super::tags::s3_bucket(ctx, bucket, wanted).await
    }

    /// Empty it first when [`S3Bucket::empty_on_delete`] (again if something was written
    /// meanwhile); a bucket already gone counts as deleted.
    async fn delete(&self, ctx: &Ctx, bucket: &String) -> Result<(), CompositeError> {
        let s3 = ctx.clients.s3();
        let force = self.empty_on_delete;
        retry(
            &ctx.deadline,
            &format!("deleting bucket \"{bucket}\""),
            RetryPolicy::default(),
            || async {
                if force {
                    empty(ctx, bucket).await.map_err(Attempt::Fail)?;
                }
                match s3.delete_bucket().bucket(bucket).send().await {
                    Ok(_) => Ok(()),
                    Err(err) => match error_code(&err).as_deref() {
                        Some(code::NO_SUCH_BUCKET) => Ok(()),
                        // Deleted versions can take a moment to disappear.
                        Some(code::BUCKET_NOT_EMPTY) if force => Err(Attempt::Retry(
                            CompositeError::aws(format!("Deleting bucket \"{bucket}\""), &err),
                        )),
                        Some(code::BUCKET_NOT_EMPTY) => Err(Attempt::Fail(not_empty(bucket))),
                        _ => Err(Attempt::Fail(CompositeError::aws(
                            format!("Deleting bucket \"{bucket}\""),
                            &err,
                        ))),
                    },
                }
            },
        )
        .await
    }
}

/// One object version (or delete marker) to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRef {
    /// Object key.
    pub key: String,
    /// Version id (`None` for an unversioned object).
    pub version_id: Option<String>,
}

/// A version DeleteObjects refused, with S3's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The version.
    pub version: VersionRef,
    /// S3's error code (`AccessDenied`...).
    pub code: String,
    /// S3's message.
    pub message: String,
}

/// What emptying needs of a bucket: list the first page of versions, delete a batch.
#[async_trait]
pub trait Versions: Send + Sync {
    /// The first (up to [`DELETE_BATCH`]) versions and delete markers; `None` when the bucket
    /// is gone.
    async fn first_page(&self) -> Result<Option<Vec<VersionRef>>, CompositeError>;

    /// Delete `batch` (at most [`DELETE_BATCH`]) in one call; returns what was refused.
    async fn delete(&self, batch: &[VersionRef]) -> Result<Vec<Refused>, CompositeError>;
}

/// A bucket's versions through the S3 API.
struct S3Versions<'a> {
    s3: aws_sdk_s3::Client,
    bucket: &'a str,
}

#[async_trait]
impl Versions for S3Versions<'_> {
    async fn first_page(&self) -> Result<Option<Vec<VersionRef>>, CompositeError> {
        let out = unless_absent(
            self.s3
                .list_object_versions()
                .bucket(self.bucket)
                .max_keys(DELETE_BATCH as i32)
                .send()
                .await,
            code::NO_SUCH_BUCKET,
            format!("Listing the versions in bucket \"{}\"", self.bucket),
        )?;
        let Some(out) = out else { return Ok(None) };
        let versions = out.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = out
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        Ok(Some(
            versions
                .chain(markers)
                .filter_map(|(key, version)| {
                    Some(VersionRef {
                        key: key?.to_string(),
                        version_id: version.map(str::to_string),
                    })
                })
                .collect(),
        ))
    }

    async fn delete(&self, batch: &[VersionRef]) -> Result<Vec<Refused>, CompositeError> {
        let objects = batch
            .iter()
            .map(|v| {
                ObjectIdentifier::builder()
                    .key(&v.key)
                    .set_version_id(v.version_id.clone())
                    .build()
                    .map_err(built)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let delete = aws_sdk_s3::types::Delete::builder()
            .quiet(true)
            .set_objects(Some(objects))
            .build()
            .map_err(built)?;
        let out = self
            .s3
            .delete_objects()
            .bucket(self.bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| {
                CompositeError::aws(
                    format!("Deleting object versions in bucket \"{}\"", self.bucket),
                    &e,
                )
            })?;
        Ok(out
            .errors()
            .iter()
            .map(|e| Refused {
                version: VersionRef {
                    key: e.key().unwrap_or("(no key)").to_string(),
                    version_id: e.version_id().map(str::to_string),
                },
                code: e.code().unwrap_or("(no code)").to_string(),
                message: e.message().unwrap_or("").to_string(),
            })
            .collect())
    }
}

/// Delete every object version and delete marker of `bucket` (a missing bucket is empty).
pub async fn empty(ctx: &Ctx, bucket: &str) -> Result<usize, CompositeError> {
    let store = S3Versions {
        s3: ctx.clients.s3(),
        bucket,
    };
    empty_with(&ctx.deadline, bucket, &store).await
}

/// Emptying, on any [`Versions`]: list the first page, delete it in one call, again until
/// nothing is listed. Fails, naming them, on the versions S3 refused; fails when a deleted
/// page is listed again unchanged (never spins); checks the deadline and the stop signal
/// before every call. Returns how many versions were deleted.
pub async fn empty_with(
    deadline: &Deadline,
    bucket: &str,
    store: &dyn Versions,
) -> Result<usize, CompositeError> {
    let what = format!("emptying bucket \"{bucket}\"");
    let mut deleted = 0;
    let mut previous: Option<Vec<VersionRef>> = None;
    loop {
        deadline.check(&what)?;
        let Some(page) = store.first_page().await? else {
            return Ok(deleted);
        };
        if page.is_empty() {
            return Ok(deleted);
        }
        if previous.as_ref() == Some(&page) {
            return Err(CompositeError::new(
                format!("Bucket \"{bucket}\" could not be emptied"),
                format!(
                    "S3 reported {} object versions deleted (the first: {}), but lists them again; the bucket was not deleted.",
                    page.len(),
                    shown(&page[0])
                ),
            ));
        }
        for batch in page.chunks(DELETE_BATCH) {
            deadline.check(&what)?;
            let refused = store.delete(batch).await?;
            if !refused.is_empty() {
                return Err(refused_error(bucket, &refused));
            }
            deleted += batch.len();
        }
        previous = Some(page);
    }
}

fn shown(v: &VersionRef) -> String {
    match &v.version_id {
        Some(id) => format!("\"{}\" version {id}", v.key),
        None => format!("\"{}\"", v.key),
    }
}

fn refused_error(bucket: &str, refused: &[Refused]) -> CompositeError {
    const NAMED: usize = 10;
    let mut lines: Vec<String> = refused
        .iter()
        .take(NAMED)
        .map(|r| format!("{}: {} {}", shown(&r.version), r.code, r.message))
        .collect();
    if refused.len() > NAMED {
        lines.push(format!("and {} more", refused.len() - NAMED));
    }
    CompositeError::new(
        format!("Bucket \"{bucket}\" could not be emptied"),
        format!(
            "S3 refused to delete {} object version(s), so the bucket was not deleted: {}",
            refused.len(),
            lines.join("; ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;
    use tokio_util::sync::CancellationToken;

    /// A bucket in memory: `versions` in key order; `undeletable` keys are refused;
    /// `stop_after` cancels `stop` after that many delete calls.
    struct Fake {
        versions: Mutex<Vec<VersionRef>>,
        undeletable: Vec<String>,
        calls: Mutex<Vec<usize>>,
        stop: Option<(usize, CancellationToken)>,
    }

    impl Fake {
        fn with(n: usize) -> Self {
            Self {
                versions: Mutex::new(
                    (0..n)
                        .map(|i| VersionRef {
                            key: format!("k{}", i % 7),
                            version_id: Some(format!("v{i}")),
                        })
                        .collect(),
                ),
                undeletable: Vec::new(),
                calls: Mutex::new(Vec::new()),
                stop: None,
            }
        }
    }

    #[async_trait]
    impl Versions for Fake {
        async fn first_page(&self) -> Result<Option<Vec<VersionRef>>, CompositeError> {
            let v = self.versions.lock().unwrap();
            Ok(Some(v.iter().take(DELETE_BATCH).cloned().collect()))
        }

        async fn delete(&self, batch: &[VersionRef]) -> Result<Vec<Refused>, CompositeError> {
            assert!(batch.len() <= DELETE_BATCH);
            let mut calls = self.calls.lock().unwrap();
            calls.push(batch.len());
            if let Some((after, stop)) = &self.stop {
                if calls.len() >= *after {
                    stop.cancel();
                }
            }
            let mut v = self.versions.lock().unwrap();
            let mut refused = Vec::new();
            for b in batch {
                if self.undeletable.contains(&b.key) {
                    refused.push(Refused {
                        version: b.clone(),
                        code: "AccessDenied".into(),
                        message: "Access Denied".into(),
                    });
                } else {
                    v.retain(|x| x != b);
                }
            }
            Ok(refused)
        }
    }

    fn deadline() -> (Deadline, CancellationToken) {
        let stop = CancellationToken::new();
        (Deadline::new(Duration::from_secs(600), stop.clone()), stop)
    }

    #[tokio::test]
    async fn many_versions_go_in_batches_of_a_thousand() {
        let fake = Fake::with(2500);
        let (d, _) = deadline();
        let n = empty_with(&d, "b", &fake).await.unwrap();
        assert_eq!(n, 2500);
        assert_eq!(*fake.calls.lock().unwrap(), vec![1000, 1000, 500]);
        assert!(fake.versions.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_refused_version_fails_by_name_instead_of_spinning() {
        let mut fake = Fake::with(20);
        fake.undeletable = vec!["k3".into()];
        let (d, _) = deadline();
        let err = empty_with(&d, "b", &fake).await.unwrap_err();
        assert_eq!(err.summary, "Bucket \"b\" could not be emptied");
        assert!(
            err.detail.contains("\"k3\" version v3: AccessDenied"),
            "{}",
            err.detail
        );
        assert_eq!(fake.calls.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_page_listed_again_after_its_deletion_fails() {
        /// DeleteObjects says yes, nothing goes.
        struct Sticky;
        #[async_trait]
        impl Versions for Sticky {
            async fn first_page(&self) -> Result<Option<Vec<VersionRef>>, CompositeError> {
                Ok(Some(vec![VersionRef {
                    key: "a".into(),
                    version_id: None,
                }]))
            }
            async fn delete(&self, _: &[VersionRef]) -> Result<Vec<Refused>, CompositeError> {
                Ok(Vec::new())
            }
        }
        let (d, _) = deadline();
        let err = empty_with(&d, "b", &Sticky).await.unwrap_err();
        assert!(err.detail.contains("lists them again"), "{}", err.detail);
    }

    #[tokio::test]
    async fn a_stop_ends_the_emptying_before_the_next_call() {
        let (d, stop) = deadline();
        let mut fake = Fake::with(5000);
        fake.stop = Some((2, stop));
        let err = empty_with(&d, "b", &fake).await.unwrap_err();
        assert_eq!(err.summary, "Interrupted emptying bucket \"b\"");
        assert_eq!(fake.calls.lock().unwrap().len(), 2);
        assert_eq!(fake.versions.lock().unwrap().len(), 3000);
    }

    #[tokio::test]
    async fn a_passed_deadline_ends_the_emptying() {
        let d = Deadline::new(Duration::ZERO, CancellationToken::new());
        let fake = Fake::with(10);
        let err = empty_with(&d, "b", &fake).await.unwrap_err();
        assert_eq!(err.summary, "Timed out emptying bucket \"b\"");
        assert!(fake.calls.lock().unwrap().is_empty());
    }

    #[test]
    fn the_policy_reads_back_into_the_same_spec() {
        let wanted = Policy {
            statements: vec![
                serde_json::json!({"Sid": "Grant", "Effect": "Allow", "Principal": {"Service": "s"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}),
            ],
            deny_insecure_transport: true,
        };
        let doc = wanted.document("aws", "b").unwrap();
        assert_eq!(Policy::parse(&doc), wanted);
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let tls = &v["Statement"][1];
        assert_eq!(tls["Sid"], TLS_SID);
        assert_eq!(
            tls["Resource"],
            serde_json::json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"])
        );
        assert_eq!(Policy::default().document("aws", "b"), None);
        // Another statement denying plain HTTP counts; an unreadable document never matches.
        let other = r#"{"Statement":{"Effect":"Deny","Condition":{"Bool":{"aws:SecureTransport":"False"}}}}"#;
        assert!(Policy::parse(other).deny_insecure_transport);
        assert_ne!(Policy::parse("not json"), Policy::default());
    }

    #[test]
    fn lifecycle_rules_round_trip() {
        let rule = LifecycleRule {
            glacier_transition_days: Some(30),
            noncurrent_version_expiration_days: Some(90),
            expiration_days: Some(365),
            ..LifecycleRule::new("r")
        };
        assert_eq!(LifecycleRule::from_sdk(&rule.to_sdk().unwrap()), rule);
    }
}
