//! `blueprint_data_pipeline` end to end: real Terraform (every version on the machine) against
//! moto. moto stores Lambda functions, permissions and bucket notifications but does not run
//! functions (that needs Docker): these tests check the wiring as AWS records it (policies,
//! function configuration, triggers, permissions, queues), not an invocation.

use std::collections::BTreeMap;
use std::path::Path;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use blueprint_e2e::fault_sweep::{self, Sweep};
use blueprint_e2e::terraform::TfWorkdir;
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;
use serde_json::Value;

const ACCOUNT: &str = "123456789012";

/// A real zip holding `main.py`, written with Python's zipfile (moto unpacks the code).
fn write_zip(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('main.py', sys.argv[2])",
        ])
        .arg(&path)
        .arg(body)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "writing {}", path.display());
}

/// Seed 004: raw CSVs archived to Glacier, preprocess raw -> clean, features clean -> clean.
fn pipeline(name: &str, extra_stage: &str) -> String {
    format!(
        r#"
resource "blueprint_data_pipeline" "ml" {{
  name = "{name}"
  force_destroy = true

  bucket {{
    suffix                  = "raw"
    purpose                 = "original CSV files"
    glacier_transition_days = 90
  }}
  bucket {{
    suffix                             = "clean"
    noncurrent_version_expiration_days = 30
  }}
  bucket {{
    suffix = "models"
  }}

  stage {{
    name     = "preprocess"
    runtime  = "python3.12"
    handler  = "main.handler"
    filename = "preprocess.zip"
    environment = {{
      OUTPUT_PREFIX = "clean/"
    }}
    reads   = [{{ bucket = "raw", prefix = "incoming/" }}]
    writes  = [{{ bucket = "clean", prefix = "clean/" }}]
    trigger = {{ bucket = "raw", prefix = "incoming/", suffix = ".csv" }}
  }}
  stage {{
    name        = "features"
    runtime     = "python3.12"
    handler     = "main.handler"
    filename    = "features.zip"
    memory_size = 512
    timeout     = 120
    reads       = [{{ bucket = "clean", prefix = "clean/" }}]
    writes      = [{{ bucket = "clean", prefix = "features/" }}]
    trigger     = {{ bucket = "clean", prefix = "clean/", suffix = "" }}
  }}
{extra_stage}
  tags = {{
    team = "ml"
  }}
}}

output "policies" {{
  value = blueprint_data_pipeline.ml.policy_documents
}}
"#
    )
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn sdk(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "blueprint-test",
            )),
        )
        .endpoint_url(endpoint)
        .build()
}

fn lambda(h: &Harness) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&sdk(h.probe().endpoint()))
}

fn sqs(h: &Harness) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&sdk(h.probe().endpoint()))
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn workdir(h: &Harness, config: &str) -> TfWorkdir {
    let wd = h.workdir(config).unwrap();
    write_zip(
        wd.path(),
        "preprocess.zip",
        "def handler(event, context):\n    return 1\n",
    );
    write_zip(
        wd.path(),
        "features.zip",
        "def handler(event, context):\n    return 2\n",
    );
    wd.init().unwrap();
    wd
}

/// Functions and queues of pipeline `name` left in moto (the harness's leftover scan does not
/// list Lambda or SQS yet).
async fn lambda_and_sqs_left(h: &Harness, name: &str) -> Vec<String> {
    let mut left = Vec::new();
    let fns = lambda(h).list_functions().send().await.unwrap();
    for f in fns.functions() {
        if f.function_name().unwrap_or_default().starts_with(name) {
            left.push(format!(
                "function {}",
                f.function_name().unwrap_or_default()
            ));
        }
    }
    let qs = sqs(h).list_queues().send().await.unwrap();
    for q in qs.queue_urls() {
        if q.contains(name) {
            left.push(format!("queue {q}"));
        }
    }
    left
}

fn statements(doc: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
    v["Statement"].as_array().cloned().unwrap_or_default()
}

#[test]
fn bad_flows_fail_the_plan_on_their_paths() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let cfg = pipeline("bad-flow", "")
            // A write into an undeclared bucket.
            .replace(
                r#"writes  = [{ bucket = "clean", prefix = "clean/" }]"#,
                r#"writes  = [{ bucket = "clean", prefix = "clean/" }, { bucket = "archive", prefix = "" }]"#,
            )
            // features writes where it is triggered: a recursive invocation.
            .replace(
                r#"writes      = [{ bucket = "clean", prefix = "features/" }]"#,
                r#"writes      = [{ bucket = "clean", prefix = "clean/features/" }]"#,
            )
            .replace(
                r#"filename    = "features.zip""#,
                r#"filename    = "missing.zip"
    environment = { DB_PASSWORD = "hunter2" }"#,
            );
        // A third stage whose trigger overlaps preprocess's.
        let cfg = cfg.replace(
            "\n  tags = {",
            r#"
  stage {
    name     = "audit"
    runtime  = "python3.12"
    handler  = "main.handler"
    filename = "preprocess.zip"
    trigger  = { bucket = "raw", prefix = "", suffix = ".csv" }
  }
  tags = {"#,
        );
        let wd = workdir(&h, &cfg);
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 1, "{plan}");
        let text = flat(&plan.all_output());
        for want in [
            "stage[0].writes[1].bucket: stage \"preprocess\" writes bucket \"archive\", which is not one of this pipeline's buckets",
            "stage[1].trigger: stage \"features\" is triggered by objects that it writes itself, through features -> features",
            "stage[2].trigger: the trigger of stage \"audit\"",
            "overlaps the trigger of stage \"preprocess\"",
            "stage[1].filename: stage \"features\": \"missing.zip\" is not a file",
            "stage[1].environment[\"DB_PASSWORD\"]: \"DB_PASSWORD\" looks like a secret",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text}");
        }
        // Nothing was made.
        assert!(h.leftovers().unwrap().is_empty());
        Ok(())
    });
}

#[test]
fn the_wiring_is_derived_and_repaired() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = workdir(&h, &pipeline("senas-ml", ""));
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        // Issue 21: imported with the same configuration (buckets and stages not in
        // alphabetical order, force_destroy = true), the plan is empty: import gives the blocks
        // back in the configuration's order and reads force_destroy back.
        wd.state_rm("blueprint_data_pipeline.ml").unwrap();
        wd.import("blueprint_data_pipeline.ml", "senas-ml").unwrap();
        let imported = wd
            .state_values("blueprint_data_pipeline.ml")
            .unwrap()
            .unwrap();
        assert_eq!(imported["force_destroy"], true, "{imported}");
        let order = |block: &str, key: &str| -> Vec<String> {
            imported[block]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| b[key].as_str().unwrap_or_default().to_string())
                .collect()
        };
        assert_eq!(order("bucket", "suffix"), ["raw", "clean", "models"]);
        assert_eq!(order("stage", "name"), ["preprocess", "features"]);
        // The resource plans no change (Terraform 1.0.3 lists the output `state rm` dropped).
        let after_import = wd.plan().unwrap();
        assert!(
            after_import.code == 0 || !after_import.stdout.contains("Plan:"),
            "{after_import}"
        );
        wd.apply().unwrap();
        let values = wd
            .state_values("blueprint_data_pipeline.ml")
            .unwrap()
            .unwrap();
        assert_eq!(values["bucket_arns"]["raw"], "arn:aws:s3:::senas-ml-raw");
        assert_eq!(
            values["function_arns"]["preprocess"],
            format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:senas-ml-preprocess")
        );
        assert_eq!(
            values["dlq_arns"]["features"],
            format!("arn:aws:sqs:us-east-1:{ACCOUNT}:senas-ml-features-dlq")
        );
        assert_eq!(values["notification_ids"]["preprocess"], "senas-ml-raw");

        let probe = h.probe();
        let iam = probe.iam();
        let s3 = probe.s3();
        let (lambda, sqs) = (lambda(&h), sqs(&h));
        rt().block_on(async {
            // The role's only policy is the derived one: exact actions on exact objects.
            let got = iam
                .get_role_policy()
                .role_name("senas-ml-preprocess")
                .policy_name("blueprint-data-flow")
                .send()
                .await
                .unwrap();
            let doc = percent_decode(got.policy_document());
            let st = statements(&doc);
            let grants: BTreeMap<String, (Value, Value)> = st
                .iter()
                .map(|s| {
                    (
                        s["Sid"].as_str().unwrap_or_default().to_string(),
                        (s["Action"].clone(), s["Resource"].clone()),
                    )
                })
                .collect();
            assert_eq!(
                grants["ReadObjects"],
                (
                    serde_json::json!(["s3:GetObject"]),
                    serde_json::json!(["arn:aws:s3:::senas-ml-raw/incoming/*"])
                ),
                "{doc}"
            );
            assert_eq!(
                grants["WriteObjects"],
                (
                    serde_json::json!(["s3:PutObject"]),
                    serde_json::json!(["arn:aws:s3:::senas-ml-clean/clean/*"])
                )
            );
            assert_eq!(
                grants["DeadLetters"].1,
                serde_json::json!([format!("arn:aws:sqs:us-east-1:{ACCOUNT}:senas-ml-preprocess-dlq")])
            );
            let list = st.iter().find(|s| s["Sid"] == "List0").unwrap();
            assert_eq!(list["Condition"]["StringLike"]["s3:prefix"], serde_json::json!(["incoming/*"]));
            assert_eq!(st.len(), 5, "{doc}");
            assert!(!doc.contains("\"*\"") && !doc.contains("s3:*"), "{doc}");
            let attached = iam
                .list_attached_role_policies()
                .role_name("senas-ml-preprocess")
                .send()
                .await
                .unwrap();
            assert!(attached.attached_policies().is_empty());

            // The function: its settings, environment, role, code and dead-letter queue.
            let f = lambda
                .get_function()
                .function_name("senas-ml-features")
                .send()
                .await
                .unwrap();
            let c = f.configuration().unwrap();
            assert_eq!(c.memory_size(), Some(512));
            assert_eq!(c.timeout(), Some(120));
            assert_eq!(c.handler(), Some("main.handler"));
            assert_eq!(
                c.role(),
                Some(format!("arn:aws:iam::{ACCOUNT}:role/senas-ml-features").as_str())
            );
            assert_eq!(
                Some(values["source_code_hashes"]["features"].as_str().unwrap()),
                c.code_sha256()
            );
            let tags = f.tags().cloned().unwrap_or_default();
            assert_eq!(tags.get("team").map(String::as_str), Some("ml"));
            assert_eq!(
                tags.get("blueprint:owner").map(String::as_str),
                Some("blueprint_data_pipeline/senas-ml")
            );
            let pre = lambda
                .get_function_configuration()
                .function_name("senas-ml-preprocess")
                .send()
                .await
                .unwrap();
            assert_eq!(
                pre.environment().and_then(|e| e.variables()).and_then(|v| v.get("OUTPUT_PREFIX")).map(String::as_str),
                Some("clean/")
            );

            // The trigger: S3 may invoke preprocess from the raw bucket of this account only.
            let policy = lambda
                .get_policy()
                .function_name("senas-ml-preprocess")
                .send()
                .await
                .unwrap();
            let p = statements(policy.policy().unwrap());
            assert_eq!(p.len(), 1, "{p:?}");
            let text = p[0].to_string();
            assert!(text.contains("s3.amazonaws.com"), "{text}");
            assert!(text.contains("arn:aws:s3:::senas-ml-raw"), "{text}");
            assert!(text.contains(ACCOUNT), "{text}");
            assert!(text.contains("lambda:InvokeFunction"), "{text}");

            // The notification: object created under incoming/ ending in .csv.
            let n = s3
                .get_bucket_notification_configuration()
                .bucket("senas-ml-raw")
                .send()
                .await
                .unwrap();
            let l = n.lambda_function_configurations();
            assert_eq!(l.len(), 1);
            assert_eq!(l[0].id(), Some("blueprint-preprocess"));
            assert_eq!(
                l[0].lambda_function_arn(),
                format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:senas-ml-preprocess")
            );
            assert_eq!(l[0].events()[0].as_str(), "s3:ObjectCreated:*");
            let rules: Vec<(String, String)> = l[0]
                .filter()
                .and_then(|f| f.key())
                .map(|k| k.filter_rules())
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    (
                        r.name().map(|n| n.as_str().to_lowercase()).unwrap_or_default(),
                        r.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            assert!(rules.contains(&("prefix".into(), "incoming/".into())), "{rules:?}");
            assert!(rules.contains(&("suffix".into(), ".csv".into())), "{rules:?}");

            // The buckets: encrypted, versioned, private, raw archived to Glacier.
            let lc = s3
                .get_bucket_lifecycle_configuration()
                .bucket("senas-ml-raw")
                .send()
                .await
                .unwrap();
            assert_eq!(lc.rules()[0].transitions()[0].days(), Some(90));
            let v = s3.get_bucket_versioning().bucket("senas-ml-models").send().await.unwrap();
            assert_eq!(v.status().map(|s| s.as_str()), Some("Enabled"));
            assert!(s3.get_bucket_encryption().bucket("senas-ml-models").send().await.is_ok());

            // The queue: SQS-managed encryption.
            let url = sqs
                .get_queue_url()
                .queue_name("senas-ml-preprocess-dlq")
                .send()
                .await
                .unwrap();
            let attrs = sqs
                .get_queue_attributes()
                .queue_url(url.queue_url().unwrap())
                .attribute_names(aws_sdk_sqs::types::QueueAttributeName::SqsManagedSseEnabled)
                .send()
                .await
                .unwrap();
            assert_eq!(
                attrs
                    .attributes()
                    .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::SqsManagedSseEnabled))
                    .map(String::as_str),
                Some("true")
            );

            // Drift: the policy widened, the notification removed, a function deleted.
            iam.put_role_policy()
                .role_name("senas-ml-preprocess")
                .policy_name("blueprint-data-flow")
                .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
                .send()
                .await
                .unwrap();
            s3.put_bucket_notification_configuration()
                .bucket("senas-ml-raw")
                .notification_configuration(aws_sdk_s3::types::NotificationConfiguration::builder().build())
                .send()
                .await
                .unwrap();
            lambda
                .delete_function()
                .function_name("senas-ml-features")
                .send()
                .await
                .unwrap();
        });
        let plan = wd.plan().unwrap();
        let text = flat(&plan.all_output());
        for seen in [
            r#"+ "features" = "arn:aws:lambda:us-east-1:123456789012:function:senas-ml-features""#,
            r#"Action = "s3:*" ->"#,
            r#"+ "preprocess" = "senas-ml-raw""#,
        ] {
            assert!(text.contains(seen), "missing {seen:?} in {text}");
        }
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        rt().block_on(async {
            let got = iam
                .get_role_policy()
                .role_name("senas-ml-preprocess")
                .policy_name("blueprint-data-flow")
                .send()
                .await
                .unwrap();
            assert!(!percent_decode(got.policy_document()).contains("s3:*"));
            let n = s3
                .get_bucket_notification_configuration()
                .bucket("senas-ml-raw")
                .send()
                .await
                .unwrap();
            assert_eq!(n.lambda_function_configurations().len(), 1);
            assert!(lambda
                .get_function()
                .function_name("senas-ml-features")
                .send()
                .await
                .is_ok());
        });

        // A stage removed: its function, role, queue, log group and trigger go.
        h.rewrite(
            &wd,
            &pipeline("senas-ml", "").replace(
                r#"    trigger     = { bucket = "clean", prefix = "clean/", suffix = "" }"#,
                "",
            ),
        )
        .unwrap();
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        rt().block_on(async {
            // moto answers "no configuration" with an empty body, which the SDK cannot parse.
            match s3
                .get_bucket_notification_configuration()
                .bucket("senas-ml-clean")
                .send()
                .await
            {
                Ok(n) => assert!(n.lambda_function_configurations().is_empty()),
                Err(e) => assert!(
                    e.raw_response().is_some_and(|r| r.status().is_success()
                        && r.body().bytes().is_some_and(<[u8]>::is_empty)),
                    "{e:?}"
                ),
            }
            assert!(lambda
                .get_function()
                .function_name("senas-ml-features")
                .send()
                .await
                .is_ok());
        });

        // Objects in a bucket: force_destroy empties it.
        rt().block_on(async {
            s3.put_object()
                .bucket("senas-ml-raw")
                .key("incoming/day1.csv")
                .body(aws_sdk_s3::primitives::ByteStream::from_static(
                    b"a,b\n1,2\n",
                ))
                .send()
                .await
                .unwrap();
        });
        wd.destroy().unwrap();
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        assert_eq!(
            rt().block_on(lambda_and_sqs_left(&h, "senas-ml")),
            Vec::<String>::new()
        );
        Ok(())
    });
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_failure_at_any_call_leaves_nothing_after_destroy() {
    let h = Harness::start_with_proxy().unwrap();
    let cfg = pipeline("senas-faults", "");
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", &cfg)
        .unwrap();
    write_zip(
        wd.path(),
        "preprocess.zip",
        "def handler(event, context):\n    return 1\n",
    );
    write_zip(
        wd.path(),
        "features.zip",
        "def handler(event, context):\n    return 2\n",
    );
    wd.init().unwrap();
    let report = fault_sweep::run(&h, &wd, Sweep::CreateAndDelete).unwrap();
    assert!(
        report.create_points.len() >= 10,
        "expected every create step, got {report:?}"
    );
    assert_eq!(
        rt().block_on(lambda_and_sqs_left(&h, "senas-faults")),
        Vec::<String>::new()
    );
}

/// `terraform/examples/ml-pipeline` (its resources and outputs, with the harness's
/// provider block): applies, plans empty, lints clean at `--profile prod` (checked by the
/// linter's own tests of the examples), destroys leaving nothing.
#[test]
fn the_seed_004_example_converges() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../terraform/examples/ml-pipeline");
    let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    // Its resources and outputs only: the harness writes the provider block.
    let body = &main[main.find("locals {").expect("locals block")..];
    let config =
        format!("variable \"environment\" {{\n  type    = string\n  default = \"dev\"\n}}\n{body}");
    for_each_terraform(|tf| {
        // The API service waits for its task to run.
        let h = Harness::start_with(
            blueprint_e2e::moto::MotoOptions {
                ecs_service_running: 1,
                ..Default::default()
            },
            false,
        )?
        .on(tf);
        let wd = h.workdir(&config).unwrap();
        std::fs::create_dir_all(wd.path().join("build")).unwrap();
        for zip in ["preprocess.zip", "features.zip"] {
            std::fs::copy(
                dir.join("build").join(zip),
                wd.path().join("build").join(zip),
            )
            .unwrap();
        }
        wd.init().unwrap();
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        let out = wd.outputs().unwrap();
        let policies = out["policies"]["value"].as_object().unwrap();
        assert_eq!(policies.len(), 2);
        assert!(policies["features"]
            .as_str()
            .unwrap()
            .contains("arn:aws:s3:::ml-santiago-dev-clean/features/*"));
        wd.destroy().unwrap();
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        assert_eq!(
            rt().block_on(lambda_and_sqs_left(&h, "ml-santiago-dev")),
            Vec::<String>::new()
        );
        Ok(())
    });
}

/// Everything a bucket's owner may have set, as read through the SDK: tags, versioning,
/// encryption, public access block, ownership, policy, lifecycle (absent settings by their
/// error code).
async fn bucket_settings(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    use aws_sdk_s3::error::ProvideErrorMetadata;
    fn shown<T: std::fmt::Debug, E: ProvideErrorMetadata>(r: Result<T, E>) -> String {
        match r {
            Ok(v) => format!("{v:?}")
                // Request ids differ from call to call.
                .split("_request_id")
                .next()
                .unwrap_or_default()
                .to_string(),
            Err(e) => format!("error {}", e.code().unwrap_or("(none)")),
        }
    }
    vec![
        shown(s3.get_bucket_tagging().bucket(bucket).send().await),
        shown(s3.get_bucket_versioning().bucket(bucket).send().await),
        shown(s3.get_bucket_encryption().bucket(bucket).send().await),
        shown(s3.get_public_access_block().bucket(bucket).send().await),
        shown(
            s3.get_bucket_ownership_controls()
                .bucket(bucket)
                .send()
                .await,
        ),
        shown(s3.get_bucket_policy().bucket(bucket).send().await),
        shown(
            s3.get_bucket_lifecycle_configuration()
                .bucket(bucket)
                .send()
                .await,
        ),
    ]
}

/// Issue 19, defect 1: a bucket named like one of the pipeline's (`xyz-raw`) that this
/// resource did not make (no owner tag) is refused by name at apply, in us-east-1 (where
/// CreateBucket answers 200 for a bucket the account already owns) and in another region, and
/// is left exactly as it was: its settings and tags, through the failed apply and the destroy.
#[test]
fn a_foreign_bucket_of_a_pipeline_name_is_refused_and_left_untouched() {
    for_each_terraform(|tf| {
        for region in ["us-east-1", "eu-west-1"] {
            let h = Harness::start()?.on(tf);
            let s3 = h.probe_in(region).s3();
            rt().block_on(async {
                let mut create = s3.create_bucket().bucket("xyz-raw");
                if region != "us-east-1" {
                    create = create.create_bucket_configuration(
                        aws_sdk_s3::types::CreateBucketConfiguration::builder()
                            .location_constraint(region.into())
                            .build(),
                    );
                }
                create.send().await.unwrap();
                s3.put_bucket_tagging()
                    .bucket("xyz-raw")
                    .tagging(
                        aws_sdk_s3::types::Tagging::builder()
                            .tag_set(
                                aws_sdk_s3::types::Tag::builder()
                                    .key("team")
                                    .value("other")
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                            .unwrap(),
                    )
                    .send()
                    .await
                    .unwrap();
            });
            let before = rt().block_on(bucket_settings(&s3, "xyz-raw"));
            assert!(before[0].contains("other"), "{before:?}");

            let wd = h
                .workdir_in(
                    region,
                    r#"
resource "blueprint_data_pipeline" "p" {
  name = "xyz"
  bucket {
    suffix = "raw"
  }
}
"#,
                )
                .unwrap();
            wd.init().unwrap();
            let out = wd.try_apply().unwrap();
            assert_ne!(out.code, 0, "{region}: {out}");
            let text = flat(&out.all_output());
            assert!(
                text.contains("S3 bucket \"xyz-raw\" already exists"),
                "{region}: {text}"
            );
            assert!(
                text.contains("does not carry the tag blueprint:owner = \"blueprint_data_pipeline/xyz\", so it was not made by this resource"),
                "{region}: {text}"
            );
            assert!(text.contains("terraform import"), "{region}: {text}");
            assert_eq!(
                rt().block_on(bucket_settings(&s3, "xyz-raw")),
                before,
                "{region}: the failed apply changed the foreign bucket"
            );
            wd.destroy().unwrap();
            assert_eq!(
                rt().block_on(bucket_settings(&s3, "xyz-raw")),
                before,
                "{region}: the destroy changed the foreign bucket"
            );
        }
        Ok(())
    });
}

/// Emptying on destroy (`force_destroy`): a bucket holding 2,500 object versions (and delete
/// markers) is emptied in pages of 1,000 and deleted.
#[test]
fn a_bucket_with_thousands_of_versions_is_emptied_and_deleted() {
    let h = Harness::start().unwrap();
    let wd = h
        .workdir(
            r#"
resource "blueprint_data_pipeline" "p" {
  name          = "many"
  force_destroy = true
  bucket {
    suffix = "raw"
  }
}
"#,
        )
        .unwrap();
    wd.init().unwrap();
    wd.apply().unwrap();
    let s3 = h.probe().s3();
    rt().block_on(async {
        // 50 keys x 50 versions; every tenth key also deleted (a delete marker on top).
        for round in 0..50 {
            for k in 0..50 {
                s3.put_object()
                    .bucket("many-raw")
                    .key(format!("k{k}"))
                    .body(aws_sdk_s3::primitives::ByteStream::from(
                        format!("{round}").into_bytes(),
                    ))
                    .send()
                    .await
                    .unwrap();
            }
        }
        for k in (0..50).step_by(10) {
            s3.delete_object()
                .bucket("many-raw")
                .key(format!("k{k}"))
                .send()
                .await
                .unwrap();
        }
        let mut count = 0;
        let mut page = s3
            .list_object_versions()
            .bucket("many-raw")
            .send()
            .await
            .unwrap();
        loop {
            count += page.versions().len() + page.delete_markers().len();
            if page.is_truncated() != Some(true) {
                break;
            }
            page = s3
                .list_object_versions()
                .bucket("many-raw")
                .set_key_marker(page.next_key_marker().map(str::to_string))
                .set_version_id_marker(page.next_version_id_marker().map(str::to_string))
                .send()
                .await
                .unwrap();
        }
        assert_eq!(count, 2505);
    });
    wd.destroy().unwrap();
    let gone = rt().block_on(s3.head_bucket().bucket("many-raw").send());
    assert!(gone.is_err(), "the bucket is still there");
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
}

/// Two stages, `big` (sized) first when `with_big`, and `small` leaving its sizes unset.
fn sized_stages(with_big: bool) -> String {
    let big = if with_big {
        r#"
  stage {
    name        = "big"
    runtime     = "python3.12"
    handler     = "main.handler"
    filename    = "preprocess.zip"
    memory_size = 2048
    timeout     = 600
    reads       = [{ bucket = "raw", prefix = "" }]
  }"#
    } else {
        ""
    };
    format!(
        r#"
resource "blueprint_data_pipeline" "ml" {{
  name = "sized"
  bucket {{
    suffix = "raw"
  }}
{big}
  stage {{
    name     = "small"
    runtime  = "python3.12"
    handler  = "main.handler"
    filename = "features.zip"
    reads    = [{{ bucket = "raw", prefix = "" }}]
  }}
}}
"#
    )
}

/// Issue 21: a stage's unset `memory_size` and `timeout` are its own defaults, never the
/// values of the stage that used to sit at its position in the list.
#[test]
fn stage_defaults_belong_to_the_stage_by_name() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = workdir(&h, &sized_stages(true));
        wd.apply().unwrap();
        let sizes = |name: &str| {
            let c = rt()
                .block_on(
                    lambda(&h)
                        .get_function_configuration()
                        .function_name(name)
                        .send(),
                )
                .unwrap();
            (c.memory_size(), c.timeout())
        };
        assert_eq!(sizes("sized-big"), (Some(2048), Some(600)));
        assert_eq!(sizes("sized-small"), (Some(128), Some(30)));
        h.rewrite(&wd, &sized_stages(false)).unwrap();
        wd.apply().unwrap();
        assert_eq!(
            sizes("sized-small"),
            (Some(128), Some(30)),
            "the remaining stage took the removed stage's sizes"
        );
        let small = wd
            .state_values("blueprint_data_pipeline.ml")
            .unwrap()
            .unwrap()["stage"][0]
            .clone();
        assert_eq!(
            (small["memory_size"].clone(), small["timeout"].clone()),
            (Value::from(128), Value::from(30)),
            "{small}"
        );
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        wd.destroy().unwrap();
        Ok(())
    });
}
